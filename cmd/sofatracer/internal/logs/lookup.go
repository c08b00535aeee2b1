// Package logs reads digest, stat and self logs: it finds one trace's
// lines (Lookup), builds a compact index for searching (Index), and keeps
// counts of what it could not read.
package logs

import (
	"bytes"
	"io"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// Counts are what reading met: lines, spans, and lines it skipped.
type Counts struct {
	Files   atomic.Int64
	Lines   atomic.Int64
	Spans   atomic.Int64
	Corrupt atomic.Int64 // truncated, corrupt or hostile lines, skipped
	Long    atomic.Int64 // lines over source.MaxLine, skipped
	Errors  atomic.Int64 // files that could not be read
}

// ToSpan makes a span of a parsed digest line of file f. fields, when not
// nil, become the span's detail.
func ToSpan(r *logline.Record, f *source.File, fields []rebuild.Field, off int64) *rebuild.Span {
	return &rebuild.Span{
		TraceID:    string(r.TraceID),
		SpanID:     string(r.SpanID),
		Service:    string(r.App),
		Operation:  r.Operation(),
		Kind:       string(r.Kind),
		Result:     string(r.Result),
		EndMs:      r.EndMs,
		DurationMs: r.CostMs,
		Error:      r.Error(),
		ErrorText:  string(r.ErrorText),
		Shadow:     f.Shadow,
		Host:       f.Host,
		File:       f.Path,
		Layout:     f.Layout,
		Fields:     fields,
		Offset:     off,
		FileNo:     -1,
	}
}

// restartLine is this project's tracer-self.log record of the depth guard.
var restartLine = regexp.MustCompile(`trace (\S+) span (\S+) starts new trace (\S+)`)

// Lookup reads every file for the lines of trace id (and of the traces it
// was continued in past depth 100), the way grep -F would, parsing only
// the lines that contain the id.
func Lookup(files []source.File, id string, c *Counts) ([]*rebuild.Span, []rebuild.Link) {
	var spans []*rebuild.Span
	var links []rebuild.Link
	want := []string{id}
	done := map[string]bool{}
	for len(want) > 0 {
		var next []string
		for _, w := range want {
			done[w] = true
		}
		s, l := lookupOnce(files, want, c)
		spans = append(spans, s...)
		for _, lk := range l {
			if done[lk.Old] && !done[lk.New] {
				links = append(links, lk)
				next = append(next, lk.New)
				done[lk.New] = true
			}
		}
		want = next
	}
	return spans, links
}

func lookupOnce(files []source.File, ids []string, c *Counts) ([]*rebuild.Span, []rebuild.Link) {
	var (
		mu    sync.Mutex
		spans []*rebuild.Span
		links []rebuild.Link
		wg    sync.WaitGroup
		next  atomic.Int64
	)
	needles := make([][]byte, len(ids))
	finders := make([]*finder, len(ids))
	for i, id := range ids {
		needles[i] = []byte(id)
		finders[i] = newFinder(needles[i])
	}
	workers := min(runtime.GOMAXPROCS(0), len(files))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p logline.Parser
			buf := make([]byte, chunk) // one per worker, not per file
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				f := &files[i]
				s, l := grepFile(f, needles, finders, buf, &p, c)
				mu.Lock()
				spans = append(spans, s...)
				links = append(links, l...)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return spans, links
}

const chunk = 4 << 20

func grepFile(f *source.File, needles [][]byte, finders []*finder, buf []byte, p *logline.Parser, c *Counts) ([]*rebuild.Span, []rebuild.Link) {
	if f.Kind == source.Stat {
		return nil, nil
	}
	rc, err := source.Open(*f)
	if err != nil {
		c.Errors.Add(1)
		return nil, nil
	}
	defer rc.Close()
	c.Files.Add(1)
	var spans []*rebuild.Span
	var links []rebuild.Link
	carry := 0
	var base int64 // file offset of buf[0]
	var r logline.Record
	handle := func(line []byte, off int64) {
		if f.Kind == source.Self {
			if m := restartLine.FindSubmatch(line); m != nil {
				links = append(links, rebuild.Link{Old: string(m[1]), Span: string(m[2]), New: string(m[3])})
			}
			return
		}
		var fields []rebuild.Field
		err := p.Digest(line, f.Layout, &r, func(k, v []byte) {
			fields = append(fields, rebuild.Field{Key: string(k), Value: string(v)})
		})
		if err != nil {
			c.Corrupt.Add(1)
			return
		}
		for _, n := range needles {
			if bytes.Equal(r.TraceID, n) {
				spans = append(spans, ToSpan(&r, f, fields, off))
				c.Spans.Add(1)
				return
			}
		}
	}
	for {
		n, rerr := io.ReadFull(rc, buf[carry:])
		data := buf[:carry+n]
		eof := rerr != nil
		end := len(data)
		if !eof {
			end = bytes.LastIndexByte(data, '\n') + 1
			if end == 0 { // one line longer than the chunk: skip it
				c.Long.Add(1)
				base += int64(len(data))
				carry = 0
				continue
			}
		}
		scanHits(data[:end], finders, func(ls, le int) {
			handle(bytes.TrimRight(data[ls:le], "\r"), base+int64(ls))
		})
		carry = copy(buf, data[end:])
		base += int64(end)
		if eof {
			return spans, links
		}
	}
}

// finder looks for one needle with Boyer-Moore-Horspool: in logs where
// every TraceId shares its host's prefix, a needle's first byte is
// everywhere, and skipping by its last byte is faster than bytes.Index.
type finder struct {
	pat  []byte
	skip [256]int
}

func newFinder(pat []byte) *finder {
	f := &finder{pat: pat}
	for i := range f.skip {
		f.skip[i] = len(pat)
	}
	for i := 0; i < len(pat)-1; i++ {
		f.skip[pat[i]] = len(pat) - 1 - i
	}
	return f
}

// index returns the first offset of the needle in text, or -1.
func (f *finder) index(text []byte) int {
	m := len(f.pat)
	if m == 0 {
		return 0
	}
	last := f.pat[m-1]
	for i := m - 1; i < len(text); {
		c := text[i]
		if c == last && string(text[i-m+1:i+1]) == string(f.pat) {
			return i - m + 1
		}
		i += f.skip[c]
	}
	return -1
}

// scanHits calls fn once for every line of data holding any needle.
func scanHits(data []byte, finders []*finder, fn func(start, end int)) {
	for _, f := range finders {
		i := 0
		for {
			j := f.index(data[i:])
			if j < 0 {
				break
			}
			j += i
			ls := bytes.LastIndexByte(data[:j], '\n') + 1
			le := bytes.IndexByte(data[j:], '\n')
			if le < 0 {
				le = len(data)
			} else {
				le += j
			}
			fn(ls, le)
			i = le
			if i >= len(data) {
				break
			}
		}
	}
}
