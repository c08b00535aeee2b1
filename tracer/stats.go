package tracer

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sofatracer/sofatracer-go/reporter"
)

// Stats are the tracer's counters since New: nothing is lost without
// being counted here.
type Stats struct {
	Finished      int64            // spans finished
	AfterClose    int64            // finished after Close, dropped
	DepthExceeded int64            // parents deeper than span.MaxDepth, replaced by a new trace
	Refused       map[string]int64 // items refused by a limit: "baggage", "tag", "tag_value", "log"
	Corrupted     map[string]int64 // extracted contexts rejected, by reason
	Reporter      reporter.Stats
}

// Stats returns the tracer's counters.
func (t *Tracer) Stats() Stats {
	r := t.disk.Stats()
	after := t.afterClose.Load()
	return Stats{
		Finished:      r.Reported + after,
		AfterClose:    after,
		DepthExceeded: t.depthExceeded.Load(),
		Refused:       snapshot(&t.refused),
		Corrupted:     snapshot(&t.corrupted),
		Reporter:      r,
	}
}

func snapshot(m *sync.Map) map[string]int64 {
	out := map[string]int64{}
	m.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

// String formats the counters on one line for tracer-self.log.
func (s Stats) String() string {
	r := s.Reporter
	return fmt.Sprintf("finished=%d written=%d unsampled=%d dropped=%d dropped_closed=%d after_close=%d lines_lost=%d write_errors=%d stat_rows=%d stat_lines_lost=%d stat_overflow=%d depth_exceeded=%d refused=%s corrupted=%s",
		s.Finished, r.Written, r.Unsampled, r.Dropped, r.DroppedClosed, s.AfterClose, r.LinesLost, r.WriteErrors, r.StatRows, r.StatLinesLost, r.StatOverflow, s.DepthExceeded, mapText(s.Refused), mapText(s.Corrupted))
}

func mapText(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return "{" + strings.Join(parts, ";") + "}"
}
