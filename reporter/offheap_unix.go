//go:build unix

package reporter

import "syscall"

// offHeap returns an empty buffer of capacity n in memory mapped outside
// the Go heap, and the function that unmaps it, or a heap buffer and a
// no-op when the mapping fails.
func offHeap(n int) ([]byte, func()) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, 0, n), func() {}
	}
	return b[:0], func() { syscall.Munmap(b) }
}
