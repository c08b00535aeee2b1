package span

import (
	"sync/atomic"
	"time"

	"github.com/opentracing/opentracing-go"
)

// Recorder connects spans to the tracer that made them: where they report,
// the limits they enforce and the clock they read. A tracer makes one and
// starts every span from it.
type Recorder struct {
	tracer opentracing.Tracer
	owner  Owner
	limits Limits
	clock  clock
}

// NewRecorder returns a recorder for the spans of t (what Span.Tracer
// returns), reporting to o. now replaces the clock (tests); nil is the
// system clock.
func NewRecorder(t opentracing.Tracer, o Owner, l Limits, now func() time.Time) *Recorder {
	r := &Recorder{tracer: t, owner: o, limits: l}
	r.clock.init(now)
	return r
}

// Start returns a started span. A zero start means now. The caller fills
// the context's ids before the span is shared.
func (r *Recorder) Start(operation string, start time.Time) *Span {
	s := &Span{rec: r, operation: operation}
	if start.IsZero() {
		s.startWall, s.mono = r.clock.now()
	} else {
		s.startWall = start.UnixNano()
		s.mono = r.clock.monoOf(start)
	}
	return s
}

// clock reads the wall clock once per second and derives the wall time of
// every span start from the monotonic clock, which costs half as much; the
// monotonic clock also measures durations, so that a wall-clock step
// cannot make one negative. A wall-clock step (or a suspend, which the
// monotonic clock does not count) shows in start times within a second.
type clock struct {
	origin time.Time        // monotonic origin
	custom func() time.Time // replaces everything when set
	cal    atomic.Pointer[calibration]
}

// calibration pairs a wall-clock reading with the monotonic reading taken
// with it.
type calibration struct{ wall, mono int64 }

const recalibrateEvery = int64(time.Second)

func (c *clock) init(now func() time.Time) {
	c.custom = now
	c.origin = time.Now()
	c.cal.Store(&calibration{wall: c.origin.UnixNano()})
}

// now returns the wall time in Unix nanoseconds and the monotonic time.
func (c *clock) now() (wall, mono int64) {
	if c.custom != nil {
		w := c.custom().UnixNano()
		return w, w
	}
	mono = int64(time.Since(c.origin))
	cal := c.cal.Load()
	if d := mono - cal.mono; d >= 0 && d < recalibrateEvery {
		return cal.wall + d, mono
	}
	t := time.Now()
	cal = &calibration{wall: t.UnixNano(), mono: int64(t.Sub(c.origin))}
	c.cal.Store(cal)
	return cal.wall, cal.mono
}

// mono returns the monotonic time.
func (c *clock) mono() int64 {
	if c.custom != nil {
		return c.custom().UnixNano()
	}
	return int64(time.Since(c.origin))
}

// monoOf returns the monotonic time of t: exact when t carries a
// monotonic reading (time.Now), from the wall clock otherwise.
func (c *clock) monoOf(t time.Time) int64 {
	if c.custom != nil {
		return t.UnixNano()
	}
	return int64(time.Since(c.origin)) - int64(time.Since(t))
}

// wallTime returns the current wall time.
func (c *clock) wallTime() time.Time {
	w, _ := c.now()
	return time.Unix(0, w)
}
