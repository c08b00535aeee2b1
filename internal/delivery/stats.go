package delivery

import (
	"fmt"
	"sync/atomic"
)

// Stats are a reporter's counters; the reporters' own Stats types have the
// same fields and convert to and from it.
type Stats struct {
	Reported          int64
	Unsampled         int64
	DroppedQueueFull  int64
	DroppedAfterClose int64
	DroppedBacklog    int64
	Rejected          int64
	DroppedAtClose    int64
	Sent              int64
	Requests          int64
	SendErrors        int64
}

// Dropped returns the number of spans lost, for whatever reason.
func (s Stats) Dropped() int64 {
	return s.DroppedQueueFull + s.DroppedAfterClose + s.DroppedBacklog + s.Rejected + s.DroppedAtClose
}

// String formats the counters on one line for tracer-self.log.
func (s Stats) String() string {
	return fmt.Sprintf("reported=%d unsampled=%d sent=%d dropped=%d (queue_full=%d backlog=%d rejected=%d at_close=%d after_close=%d) requests=%d send_errors=%d",
		s.Reported, s.Unsampled, s.Sent, s.Dropped(), s.DroppedQueueFull, s.DroppedBacklog, s.Rejected, s.DroppedAtClose, s.DroppedAfterClose, s.Requests, s.SendErrors)
}

// Counters are the live counters behind Stats.
type Counters struct {
	Reported, Unsampled, DroppedQueue, DroppedAfter atomic.Int64
	DroppedBacklog, Rejected, DroppedAtClose        atomic.Int64
	Sent, Requests, SendErrors                      atomic.Int64
}

// Load returns the counters' current values.
func (c *Counters) Load() Stats {
	return Stats{
		Reported:          c.Reported.Load(),
		Unsampled:         c.Unsampled.Load(),
		DroppedQueueFull:  c.DroppedQueue.Load(),
		DroppedAfterClose: c.DroppedAfter.Load(),
		DroppedBacklog:    c.DroppedBacklog.Load(),
		Rejected:          c.Rejected.Load(),
		DroppedAtClose:    c.DroppedAtClose.Load(),
		Sent:              c.Sent.Load(),
		Requests:          c.Requests.Load(),
		SendErrors:        c.SendErrors.Load(),
	}
}
