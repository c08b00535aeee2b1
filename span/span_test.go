package span

import (
	"testing"
	"time"
	"unsafe"
)

// The heap held by an unfinished span is part of the product's footprint:
// a Span with up to three tags must stay in the 256-byte size class.
func TestSpanFitsIn256Bytes(t *testing.T) {
	if got := unsafe.Sizeof(Span{}); got > 256 {
		t.Fatalf("Span is %d bytes, want <= 256", got)
	}
}

// A span started at an explicit time keeps a true duration even when the
// clock's wall-clock calibration is far off.
func TestExplicitStartTimeIgnoresCalibration(t *testing.T) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{}, nil)
	cal := r.clock.cal.Load()
	r.clock.cal.Store(&calibration{wall: cal.wall - 30e9, mono: cal.mono})
	start := time.Now()
	s := r.Start("op", start)
	time.Sleep(5 * time.Millisecond)
	s.Finish()
	if d := s.Duration(); d < 5*time.Millisecond || d > time.Second {
		t.Fatalf("duration %v, want about 5ms", d)
	}
	if s.StartUnixNano() != start.UnixNano() {
		t.Fatalf("start %d, want %d", s.StartUnixNano(), start.UnixNano())
	}
}

// Tags keep their first-set order and replace in place across the move
// from the inline tags to the overflow array, whether or not logs came
// first, and a plugin-sized span's overflow costs one allocation.
func TestTagsOverflow(t *testing.T) {
	for _, logsFirst := range []bool{false, true} {
		r := NewRecorder(nopOwner{}, nopOwner{}, Limits{}, nil)
		s := r.Start("op", time.Time{})
		if logsFirst {
			s.LogKV("event", "x")
		}
		const n = 20
		for i := range n {
			s.SetTag(string(rune('a'+i)), i)
		}
		s.SetTag("b", "again")
		tags := s.Tags()
		if len(tags) != n {
			t.Fatalf("logsFirst=%v: %d tags, want %d", logsFirst, len(tags), n)
		}
		for i, tag := range tags {
			want := any(i)
			if i == 1 {
				want = "again"
			}
			if tag.Key != string(rune('a'+i)) || tag.Value != want {
				t.Fatalf("logsFirst=%v: tag %d = %v, want %c=%v", logsFirst, i, tag, 'a'+i, want)
			}
		}
		if logsFirst && len(s.Logs()) != 1 {
			t.Fatalf("logs %d, want 1", len(s.Logs()))
		}
	}
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{}, nil)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"}
	allocs := testing.AllocsPerRun(100, func() {
		s := r.Start("op", time.Time{})
		for _, k := range keys {
			s.SetTag(k, "v")
		}
	})
	if allocs != 2 { // the span and its overflow
		t.Fatalf("%v allocations for a span with %d tags, want 2", allocs, len(keys))
	}
}

// SetTags with more tags than the first overflow array holds allocates
// their array once, keeps the inline tags first and honours MaxTags.
func TestSetTagsReservesOnce(t *testing.T) {
	many := make([]Tag, 24)
	for i := range many {
		many[i] = Tag{Key: string(rune('A' + i)), Value: "v"}
	}
	small := []string{"a", "b", "c"}
	for _, inline := range []int{0, 2, 3} {
		r := NewRecorder(nopOwner{}, nopOwner{}, Limits{MaxTags: 20}, nil)
		var s *Span
		allocs := testing.AllocsPerRun(20, func() {
			s = r.Start("op", time.Time{})
			for i := range inline {
				s.SetTag(small[i], i)
			}
			s.SetTags(many...)
		})
		if allocs != 3 { // the span, more, the tags' array
			t.Errorf("inline=%d: %v allocations, want 3", inline, allocs)
		}
		tags := s.Tags()
		if len(tags) != 20 || cap(tags) != 20 {
			t.Fatalf("inline=%d: %d tags (cap %d), want 20", inline, len(tags), cap(tags))
		}
		for i, tag := range tags {
			want := string(rune('a' + i))
			if i >= inline {
				want = string(rune('A' + i - inline))
			}
			if tag.Key != want {
				t.Fatalf("inline=%d: tag %d is %q, want %q", inline, i, tag.Key, want)
			}
		}
	}
}
