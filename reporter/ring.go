package reporter

import (
	"math/bits"
	"sync/atomic"

	"github.com/sofatracer/sofatracer-go/span"
)

// ring is the bounded queue between the goroutines that finish spans and
// the writer: a lock-free array queue with a sequence number per slot
// (after Dmitry Vyukov's bounded MPMC queue). A push costs one
// compare-and-swap on the tail and never waits; a full ring refuses.
// Popping is also safe from several goroutines, so that a producer can drop
// the oldest span (DropOldest).
type ring struct {
	_     [64]byte
	tail  atomic.Uint64 // next position to fill
	_     [56]byte
	head  atomic.Uint64 // next position to read
	_     [56]byte
	mask  uint64
	slots []slot
}

// slot seq is pos when the slot is free for position pos, pos+1 once
// position pos is filled.
type slot struct {
	seq atomic.Uint64
	s   *span.Span
}

// newRing returns a ring of at least n slots (a power of two).
func newRing(n int) *ring {
	size := uint64(1) << bits.Len(uint(max(n, 2)-1))
	r := &ring{mask: size - 1, slots: make([]slot, size)}
	for i := range r.slots {
		r.slots[i].seq.Store(uint64(i))
	}
	return r
}

func (r *ring) size() int { return len(r.slots) }

// reserve claims the next position, or reports that the ring is full.
func (r *ring) reserve() (*slot, uint64, bool) {
	for {
		pos := r.tail.Load()
		sl := &r.slots[pos&r.mask]
		switch d := int64(sl.seq.Load() - pos); {
		case d == 0:
			if r.tail.CompareAndSwap(pos, pos+1) {
				return sl, pos, true
			}
		case d < 0:
			return nil, 0, false
		}
	}
}

// commit publishes s, which may be nil (a cancelled reservation), at a
// reserved position.
func (sl *slot) commit(pos uint64, s *span.Span) {
	sl.s = s
	sl.seq.Store(pos + 1)
}

// pop takes the oldest span. ok is false when the ring is empty or the
// oldest position is reserved but not yet committed; s is nil for a
// cancelled reservation.
func (r *ring) pop() (s *span.Span, ok bool) {
	for {
		pos := r.head.Load()
		sl := &r.slots[pos&r.mask]
		switch d := int64(sl.seq.Load() - (pos + 1)); {
		case d == 0:
			if r.head.CompareAndSwap(pos, pos+1) {
				s = sl.s
				sl.s = nil
				sl.seq.Store(pos + r.mask + 1)
				return s, true
			}
		case d < 0:
			return nil, false
		}
	}
}

// len returns about how many positions are reserved and not yet popped.
func (r *ring) len() int {
	h := r.head.Load()
	return int(r.tail.Load() - h)
}
