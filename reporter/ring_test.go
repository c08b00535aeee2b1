package reporter

import (
	"sync"
	"testing"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestRingRoundsUpAndRefusesWhenFull(t *testing.T) {
	r := newRing(5)
	if r.size() != 8 {
		t.Fatalf("size %d, want 8", r.size())
	}
	s := new(span.Span)
	for i := range 8 {
		sl, pos, ok := r.reserve()
		if !ok {
			t.Fatalf("refused push %d of 8", i)
		}
		sl.commit(pos, s)
	}
	if _, _, ok := r.reserve(); ok {
		t.Fatal("a full ring accepted a span")
	}
	if got, ok := r.pop(); !ok || got != s {
		t.Fatal("pop of a full ring failed")
	}
	if _, _, ok := r.reserve(); !ok {
		t.Fatal("a freed slot was refused")
	}
}

// Producers and a consumer race on a small ring: every span pushed is
// popped exactly once, in the order of its producer.
func TestRingConcurrentProducersLoseNothing(t *testing.T) {
	const producers, each = 4, 20000
	r := newRing(64)
	spans := make([][]span.Span, producers)
	var wg sync.WaitGroup
	for p := range producers {
		spans[p] = make([]span.Span, each)
		wg.Go(func() {
			for i := range spans[p] {
				for {
					if sl, pos, ok := r.reserve(); ok {
						sl.commit(pos, &spans[p][i])
						break
					}
				}
			}
		})
	}
	seen := map[*span.Span]bool{}
	next := make([]int, producers)
	for len(seen) < producers*each {
		s, ok := r.pop()
		if !ok {
			continue
		}
		if seen[s] {
			t.Fatal("a span was popped twice")
		}
		seen[s] = true
		for p := range producers {
			if i := next[p]; i < each && s == &spans[p][i] {
				next[p]++
				s = nil
				break
			}
		}
		if s != nil {
			t.Fatal("a producer's spans came out of order")
		}
	}
	wg.Wait()
	if _, ok := r.pop(); ok {
		t.Fatal("more spans than were pushed")
	}
}

// TestNudgeThreshold: a producer nudges the writer once more than
// nudgeAt spans wait, or a quarter of a smaller queue; the threshold is
// checked every 64th position, or at every one of a tiny queue.
func TestNudgeThreshold(t *testing.T) {
	for _, c := range []struct {
		queue      int
		high, mask uint64
	}{
		{8192, nudgeAt, 63},
		{256, 64, 63},
		{16, 4, 3},
		{1, 0, 0},
	} {
		d, err := NewDisk(Config{Dir: t.TempDir(), QueueSize: c.queue})
		if err != nil {
			t.Fatal(err)
		}
		if d.high != c.high || d.nudgeMask != c.mask {
			t.Errorf("queue %d: nudge past %d (mask %d), want %d (mask %d)", c.queue, d.high, d.nudgeMask, c.high, c.mask)
		}
		d.Close()
	}
}
