package delivery

import (
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestDeque(t *testing.T) {
	var q Deque[int]
	var want []int
	// Grow across the wrap-around: pushes at both ends, pops at the front.
	for i := range 100 {
		if i%3 == 0 {
			q.PushFront(i)
			want = append([]int{i}, want...)
		} else {
			q.PushBack(i)
			want = append(want, i)
		}
		if i%4 == 0 {
			if got := q.PopFront(); got != want[0] {
				t.Fatalf("step %d: PopFront = %d, want %d", i, got, want[0])
			}
			want = want[1:]
		}
	}
	for len(want) > 0 {
		if q.Len() != len(want) {
			t.Fatalf("Len = %d, want %d", q.Len(), len(want))
		}
		if got := q.PopFront(); got != want[0] {
			t.Fatalf("PopFront = %d, want %d", got, want[0])
		}
		want = want[1:]
	}
}

func TestPositive(t *testing.T) {
	type opts struct{ n int }
	set := func(o *opts) { o.n = 1 }
	var o opts
	if err := Positive("zipkin", "queue size", 0, set)(&o); err == nil || err.Error() != "zipkin: queue size 0 must be positive" || o.n != 0 {
		t.Fatalf("0: err %v, n %d", err, o.n)
	}
	if err := Positive("otlp", "timeout", -time.Second, set)(&o); err == nil || err.Error() != "otlp: timeout -1s must be positive" {
		t.Fatalf("-1s: err %v", err)
	}
	if err := Positive("otlp", "timeout", time.Second, set)(&o); err != nil || o.n != 1 {
		t.Fatalf("1s: err %v, n %d", err, o.n)
	}
}

func TestIntake(t *testing.T) {
	var in Intake
	in.Init(1, nil, "test.", time.Second)
	s, unsampled := &span.Span{}, &span.Span{}
	s.Ctx.Init("0a0fe9271567477985327100211176", "0", "", true)
	unsampled.Ctx.Init("0a0fe9271567477985327100211176", "0", "", false)
	in.Report(unsampled)
	in.Report(s)
	in.Report(s) // the queue of 1 is full; no self-log, so nothing to log
	go func() {
		for range in.Queue {
		}
		close(in.End)
	}()
	in.Close(time.Minute, nil)
	in.Report(s)
	if in.Abort.Err() == nil {
		t.Error("Abort not cancelled by Close")
	}
	want := Stats{Reported: 3, Unsampled: 1, DroppedQueueFull: 1, DroppedAfterClose: 1}
	if got := in.Load(); got != want {
		t.Fatalf("stats %s, want %s", got, want)
	}
}
