//go:build !unix

package reporter

// offHeap returns an empty heap buffer of capacity n: this platform's
// writer buffers live in the Go heap.
func offHeap(n int) ([]byte, func()) { return make([]byte, 0, n), func() {} }
