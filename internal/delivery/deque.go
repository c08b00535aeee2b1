package delivery

// Deque is a FIFO that can also take items back at the front.
type Deque[T any] struct {
	buf        []T
	head, size int
}

// Len returns the number of items.
func (q *Deque[T]) Len() int { return q.size }

func (q *Deque[T]) grow() {
	nb := make([]T, max(16, 2*len(q.buf)))
	for i := 0; i < q.size; i++ {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

// PushBack adds it at the back.
func (q *Deque[T]) PushBack(it T) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.size)%len(q.buf)] = it
	q.size++
}

// PushFront adds it at the front.
func (q *Deque[T]) PushFront(it T) {
	if q.size == len(q.buf) {
		q.grow()
	}
	q.head = (q.head - 1 + len(q.buf)) % len(q.buf)
	q.buf[q.head] = it
	q.size++
}

// PopFront removes and returns the front item; the deque must not be
// empty.
func (q *Deque[T]) PopFront() T {
	var zero T
	it := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return it
}
