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
	r := NewRecorder(nopOwner{}, Limits{}, nil)
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
