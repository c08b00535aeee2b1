//go:build unix && !race

package reporter

import "syscall"

// offHeap returns an empty buffer of capacity n in memory mapped outside
// the Go heap, and the function that unmaps it; nil and the error when the
// mapping fails. Such memory is resident like any other, but neither the
// garbage collector's goal nor GOMEMLIMIT nor heap profiles count it.
func offHeap(n int) ([]byte, func(), error) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return b[:0], func() { syscall.Munmap(b) }, nil
}
