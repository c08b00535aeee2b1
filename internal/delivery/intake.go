package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/span"
)

// Intake is the front of a reporter: the bounded queue between Report and
// the reporter's goroutine, the counters, the self-log, and the context
// that Close cancels when it gives up.
type Intake struct {
	Counters
	Log

	// Queue carries reported spans to the reporter's goroutine, which
	// closes End when it is over; Close closes Queue.
	Queue <-chan *span.Span
	End   chan struct{}
	// Abort is cancelled when Close gives up, and at its end.
	Abort context.Context

	ch           chan *span.Span
	abortFn      context.CancelFunc
	mu           sync.RWMutex // Report: read; Close: write, to close ch
	closed       atomic.Bool
	nextQueueLog atomic.Int64 // unix ns before which a full queue is not logged
}

// Init makes the queue of queueSize spans, and sets the self-log, the
// prefix of its rate-limiting keys and their interval.
func (in *Intake) Init(queueSize int, self *reporter.SelfLog, logPrefix string, logEvery time.Duration) {
	in.ch = make(chan *span.Span, queueSize)
	in.Queue = in.ch
	in.End = make(chan struct{})
	in.Abort, in.abortFn = context.WithCancel(context.Background())
	in.prefix, in.every = logPrefix, logEvery
	in.Set(self)
}

// Report is the body of a reporter's Report. It never blocks and never
// does I/O: an unsampled span is counted and ignored, a sampled one is
// queued, or dropped and counted when the queue is full or Close was
// called. When it dropped s because the queue is full and a self-log
// record of that is due, it returns the number of spans dropped so, for
// the caller to log (key "queue"); else 0.
func (in *Intake) Report(s *span.Span) (queueDrops int64) {
	if !s.Ctx.Sampled() {
		in.Unsampled.Add(1)
		return 0
	}
	in.Reported.Add(1)
	// The read lock only keeps Close from closing the queue under a send;
	// Close holds the write lock for no longer than close(ch).
	in.mu.RLock()
	if in.closed.Load() {
		in.mu.RUnlock()
		in.DroppedAfter.Add(1)
		return 0
	}
	select {
	case in.ch <- s:
		in.mu.RUnlock()
		return 0
	default:
		in.mu.RUnlock()
		n := in.DroppedQueue.Add(1)
		// A cheap check first: this runs on the application's goroutine.
		if now := time.Now().UnixNano(); now >= in.nextQueueLog.Load() && in.self.Load() != nil {
			in.nextQueueLog.Store(now + int64(in.every))
			return n
		}
		return 0
	}
}

// Cancel cancels Abort, for a reporter that fails to start.
func (in *Intake) Cancel() { in.abortFn() }

// Close stops Report from queueing, closes Queue and waits until the
// reporter's goroutine closed End, or cancels Abort after timeout; then
// it calls then (while the timeout still runs) and cancels Abort.
func (in *Intake) Close(timeout time.Duration, then func()) {
	in.mu.Lock()
	in.closed.Store(true)
	close(in.ch)
	in.mu.Unlock()
	timer := time.AfterFunc(timeout, in.abortFn)
	<-in.End
	if then != nil {
		then()
	}
	timer.Stop()
	in.abortFn()
}
