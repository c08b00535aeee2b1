package reporter

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter/logfile"
)

// SelfLog writes the tracer's own diagnostics to tracer-self.log in
// SOFATracer's form: "2006-01-02 15:04:05.000[WARN]  message\r\n". Writing
// is asynchronous: the calling goroutine only queues the record, and a
// full queue drops it (counted). When the file cannot be written the
// record goes to stderr instead.
type SelfLog struct {
	f       *logfile.File
	now     func() time.Time
	ch      chan string
	done    chan struct{}
	dropped atomic.Int64
	failed  atomic.Int64

	mu   sync.Mutex
	last map[string]time.Time // rate limiting by key
}

// Levels of self-log records, padded as SOFATracer pads them.
const (
	LevelInfo  = "[INFO]  "
	LevelWarn  = "[WARN]  "
	LevelError = "[ERROR] "
)

// OpenSelfLog opens tracer-self.log in dir and starts its writer.
func OpenSelfLog(cfg logfile.Config) (*SelfLog, error) {
	f, err := logfile.Open(cfg)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	l := &SelfLog{f: f, now: now, ch: make(chan string, 1024), done: make(chan struct{}), last: map[string]time.Time{}}
	go l.run()
	return l, nil
}

// Printf queues a record at level.
func (l *SelfLog) Printf(level, format string, args ...any) {
	if l == nil {
		return
	}
	line := l.now().Format("2006-01-02 15:04:05.000") + level + oneLine(fmt.Sprintf(format, args...)) + "\r\n"
	defer func() {
		if recover() != nil { // closed
			l.dropped.Add(1)
		}
	}()
	select {
	case l.ch <- line:
	default:
		l.dropped.Add(1)
	}
}

// Limited queues a record unless one with the same key was queued within
// every; it reports whether it did.
func (l *SelfLog) Limited(key string, every time.Duration, level, format string, args ...any) bool {
	if l == nil {
		return false
	}
	now := l.now()
	l.mu.Lock()
	if t, ok := l.last[key]; ok && now.Sub(t) < every {
		l.mu.Unlock()
		return false
	}
	l.last[key] = now
	l.mu.Unlock()
	l.Printf(level, format, args...)
	return true
}

// Dropped returns how many records were lost: queue full or file failing
// and stderr failing too.
func (l *SelfLog) Dropped() int64 {
	if l == nil {
		return 0
	}
	return l.dropped.Load()
}

func (l *SelfLog) run() {
	defer close(l.done)
	for line := range l.ch {
		if _, err := l.f.Write([]byte(line)); err != nil {
			l.failed.Add(1)
			if _, err := os.Stderr.WriteString("sofatracer: " + line); err != nil {
				l.dropped.Add(1)
			}
		}
	}
}

// Close writes what is queued and closes the file. It is safe to call
// twice.
func (l *SelfLog) Close() error {
	if l == nil {
		return nil
	}
	func() {
		defer func() { _ = recover() }()
		close(l.ch)
	}()
	<-l.done
	l.f.Sync()
	return l.f.Close()
}

// oneLine keeps a record on one physical line.
func oneLine(s string) string {
	b := []byte(nil)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\n' || c == '\r' {
			if b == nil {
				b = []byte(s[:i])
			}
			b = append(b, ' ')
		} else if b != nil {
			b = append(b, c)
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}
