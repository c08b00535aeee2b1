// Package reporter takes finished spans off the application's goroutines
// and writes them to SOFATracer's digest and stat log files.
//
// A span handed to Report goes into a bounded queue; Report never blocks
// and never does I/O. When the queue is full the span is dropped and
// counted, and a warning is written to tracer-self.log at most once per
// second. One writer goroutine encodes the spans (digest.Encoder) into one
// buffer per file and writes each buffer with a single call whenever the
// queue runs empty or the buffer grows past BatchBytes. Stat rows are
// aggregated by the writer into a double-buffered table that a second
// goroutine prints every StatInterval. Close drains the queue, prints the
// last stat interval, syncs and closes every file and stops both
// goroutines.
package reporter

import (
	"github.com/sofatracer/sofatracer-go/span"
)

// Reporter receives finished spans.
type Reporter interface {
	// Report hands over a finished span. It must not block.
	Report(s *span.Span)
	// Close delivers what was reported and releases every resource. It is
	// safe to call more than once.
	Close() error
}

// DiscardPolicy says which span a full queue drops.
type DiscardPolicy int

const (
	// DropNewest drops the span being reported (SOFATracer's behaviour).
	DropNewest DiscardPolicy = iota
	// DropOldest drops the oldest queued span to make room.
	DropOldest
)

// Stats are the reporter's counters since it started.
type Stats struct {
	Reported      int64 // spans handed to Report
	Dropped       int64 // dropped because the queue was full
	DroppedClosed int64 // reported after Close
	Written       int64 // digest lines written
	Unsampled     int64 // not written because unsampled (still in stat rows)
	LinesLost     int64 // digest lines lost to write errors (one per span)
	WriteErrors   int64 // failed writes or opens
	StatRows      int64 // stat lines written
	StatLinesLost int64 // stat lines lost to write errors (one per row, not per span)
	StatOverflow  int64 // spans counted in an overflow stat row
	SelfLogLost   int64 // tracer-self.log records dropped
}
