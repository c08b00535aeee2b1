package delivery

import (
	"sync/atomic"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter"
)

// Log writes a reporter's records to its self-log, if it has one.
type Log struct {
	prefix string        // of the rate-limiting keys, e.g. "zipkin."
	every  time.Duration // least time between two records of one key
	self   atomic.Pointer[reporter.SelfLog]
}

// Set sets (or replaces) the self-log; nil writes nothing.
func (l *Log) Set(s *reporter.SelfLog) { l.self.Store(s) }

// Limited writes a record unless one of the same key was written within
// the interval.
func (l *Log) Limited(key, level, format string, args ...any) {
	if s := l.self.Load(); s != nil {
		s.Limited(l.prefix+key, l.every, level, format, args...)
	}
}

// Printf writes a record.
func (l *Log) Printf(level, format string, args ...any) {
	if s := l.self.Load(); s != nil {
		s.Printf(level, format, args...)
	}
}
