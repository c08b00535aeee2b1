//go:build !unix || race

package reporter

// offHeap has no memory outside the Go heap to give on this platform, nor
// in race builds (the race detector would not see accesses to it): the
// writer's buffers live in the heap.
func offHeap(int) ([]byte, func(), error) { return nil, nil, nil }
