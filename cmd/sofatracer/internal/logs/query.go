package logs

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// Query selects traces. Span conditions (Service, Operation, MinSpanMs,
// Where) must hold for one and the same span; the others for the trace.
type Query struct {
	Service    string // local.app, exactly
	Operation  string // part of the operation
	FromMs     int64  // trace starts at or after (0: any)
	ToMs       int64  // trace starts at or before (0: any)
	Error      bool   // a span failed
	MinTraceMs int64
	MinSpanMs  int64
	Where      []logline.KV // field (or baggage item) = value on the span
	Limit      int
}

// Summary is one trace found.
type Summary struct {
	TraceID    string   `json:"traceId"`
	Spans      int      `json:"spans"`
	StartMs    int64    `json:"startMs"`
	DurationMs int64    `json:"durationMs"`
	Error      bool     `json:"error"`
	Services   []string `json:"services"`
	Root       string   `json:"root"` // operation of the span with the shortest id
}

func (q *Query) spanLevel() bool {
	return q.Service != "" || q.Operation != "" || q.MinSpanMs > 0 || len(q.Where) > 0
}

// Find returns the traces that match q, newest first.
func (x *Index) Find(q Query) []Summary {
	x.mu.RLock()
	type cand struct {
		ti   uint32
		hits []uint32 // spans meeting the span conditions but Where
	}
	var cands []cand
	for ti := range x.traces {
		t := &x.traces[ti]
		if q.FromMs > 0 && t.start < q.FromMs || q.ToMs > 0 && t.start > q.ToMs {
			continue
		}
		if q.Error && t.errs == 0 || q.MinTraceMs > 0 && t.end-t.start < q.MinTraceMs {
			continue
		}
		c := cand{ti: uint32(ti)}
		if q.spanLevel() {
			for si := t.first; si != noSpan; si = x.spans[si].next {
				s := &x.spans[si]
				if q.Service != "" && x.strs[s.svc] != q.Service ||
					q.Operation != "" && !strings.Contains(x.strs[s.op], q.Operation) ||
					int64(s.cost) < q.MinSpanMs {
					continue
				}
				c.hits = append(c.hits, si)
			}
			if len(c.hits) == 0 {
				continue
			}
		}
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Compare(x.traces[b.ti].start, x.traces[a.ti].start)
	})
	x.mu.RUnlock()
	var out []Summary
	for _, c := range cands {
		if q.Limit > 0 && len(out) >= q.Limit {
			break
		}
		if len(q.Where) > 0 && !x.whereAny(c.hits, q.Where) {
			continue
		}
		out = append(out, x.summary(c.ti))
	}
	return out
}

func (x *Index) summary(ti uint32) Summary {
	x.mu.RLock()
	defer x.mu.RUnlock()
	t := &x.traces[ti]
	s := Summary{TraceID: t.id, Spans: int(t.n), StartMs: t.start, DurationMs: t.end - t.start, Error: t.errs > 0}
	svcs := map[string]bool{}
	var root *spanRec
	for si := t.first; si != noSpan; si = x.spans[si].next {
		sp := &x.spans[si]
		svcs[x.strs[sp.svc]] = true
		if root == nil || sp.sidLen < root.sidLen || sp.sidLen == root.sidLen && sp.end-int64(sp.cost) < root.end-int64(root.cost) {
			root = sp
		}
	}
	if root != nil {
		s.Root = x.strs[root.op]
	}
	for k := range svcs {
		s.Services = append(s.Services, k)
	}
	sort.Strings(s.Services)
	return s
}

// whereAny reads the lines of the given spans and reports whether one has
// every field of where (a top-level field, or an item of a baggage field).
func (x *Index) whereAny(spans []uint32, where []logline.KV) bool {
	for _, sp := range x.readSpans(spans, true) {
		if matchWhere(sp.Fields, where) {
			return true
		}
	}
	return false
}

func matchWhere(fields []rebuild.Field, where []logline.KV) bool {
	for _, w := range where {
		found := false
		for _, f := range fields {
			if f.Key == w.Key && f.Value == w.Value {
				found = true
				break
			}
			if strings.HasSuffix(f.Key, "baggage") && strings.Contains("&"+f.Value, "&"+w.Key+"="+w.Value+"&") {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Trace returns the spans of trace id and of the traces it continued in
// past depth 100, with the links between them.
func (x *Index) Trace(id string, fields bool) ([]*rebuild.Span, []rebuild.Link) {
	x.mu.RLock()
	all := slices.Clone(x.links)
	x.mu.RUnlock()
	spans := x.Spans(id, fields)
	var links []rebuild.Link
	done := map[string]bool{id: true}
	for more := true; more; {
		more = false
		for _, l := range all {
			if done[l.Old] && !done[l.New] {
				done[l.New], more = true, true
				links = append(links, l)
				spans = append(spans, x.Spans(l.New, fields)...)
			}
		}
	}
	return spans, links
}

// Spans returns the spans of trace id, read back from their lines (with
// every field when fields is set), or nil when the index has no such
// trace.
func (x *Index) Spans(id string, fields bool) []*rebuild.Span {
	x.mu.RLock()
	ti, ok := x.trIdx[id]
	var list []uint32
	if ok {
		for si := x.traces[ti].first; si != noSpan; si = x.spans[si].next {
			list = append(list, si)
		}
	}
	x.mu.RUnlock()
	return x.readSpans(list, fields)
}

// readSpans parses the lines of spans again, file by file in offset order.
func (x *Index) readSpans(list []uint32, withFields bool) []*rebuild.Span {
	x.mu.RLock()
	recs := make([]spanRec, len(list))
	for i, si := range list {
		recs[i] = x.spans[si]
	}
	files := x.files
	x.mu.RUnlock()
	slices.SortFunc(recs, func(a, b spanRec) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.off, b.off)
	})
	var out []*rebuild.Span
	var p logline.Parser
	var r logline.Record
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].file == recs[i].file {
			j++
		}
		f := files[recs[i].file]
		offs := make([]int64, 0, j-i)
		for _, rc := range recs[i:j] {
			offs = append(offs, rc.off)
		}
		fileNo := int(recs[i].file)
		linesAt(f, offs, func(line []byte, off int64) {
			var fields []rebuild.Field
			var fn func(k, v []byte)
			if withFields {
				fn = func(k, v []byte) { fields = append(fields, rebuild.Field{Key: string(k), Value: string(v)}) }
			}
			if p.Digest(line, f.Layout, &r, fn) == nil {
				sp := ToSpan(&r, &f, fields, off)
				sp.FileNo = fileNo
				out = append(out, sp)
			}
		})
		i = j
	}
	return out
}

// Fields returns every field of the line at offset off of file number n.
func (x *Index) Fields(n int, off int64) []rebuild.Field {
	x.mu.RLock()
	if n < 0 || n >= len(x.files) {
		x.mu.RUnlock()
		return nil
	}
	f := x.files[n]
	x.mu.RUnlock()
	var fields []rebuild.Field
	var p logline.Parser
	var r logline.Record
	linesAt(f, []int64{off}, func(line []byte, _ int64) {
		p.Digest(line, f.Layout, &r, func(k, v []byte) {
			fields = append(fields, rebuild.Field{Key: string(k), Value: string(v)})
		})
	})
	return fields
}

// linesIn reads rd sequentially and calls fn with the line at each offset
// (sorted).
func linesIn(rd *source.Reader, offs []int64, fn func([]byte, int64)) {
	k := 0
	for k < len(offs) {
		line, off, ok := rd.Next()
		if !ok {
			return
		}
		for k < len(offs) && offs[k] < off {
			k++
		}
		if k < len(offs) && offs[k] == off {
			fn(line, off)
			k++
		}
	}
}

// linesAt calls fn with the line at each offset (sorted).
func linesAt(f source.File, offs []int64, fn func([]byte, int64)) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return
	}
	defer fh.Close()
	if f.Gzip {
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return
		}
		linesIn(source.NewReader(zr, 0), offs, fn)
		return
	}
	if dense(offs) {
		// Many lines close together: one sequential read beats a read per line.
		linesIn(source.NewReader(io.NewSectionReader(fh, offs[0], offs[len(offs)-1]-offs[0]+source.MaxLine), offs[0]), offs, fn)
		return
	}
	buf := make([]byte, 4<<10)
	for _, off := range offs {
		n, err := fh.ReadAt(buf, off)
		if n == 0 && err != nil {
			continue
		}
		b := buf[:n]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[:i]
		} else if err != io.EOF {
			// a long line: read it through the line reader
			rd := source.NewReader(io.NewSectionReader(fh, off, source.MaxLine), off)
			if line, _, ok := rd.Next(); ok {
				fn(line, off)
			}
			continue
		}
		fn(bytes.TrimRight(b, "\r"), off)
	}
}

// dense reports whether the sorted offsets are on average within 16 KiB
// of each other.
func dense(offs []int64) bool {
	return len(offs) > 16 && (offs[len(offs)-1]-offs[0])/int64(len(offs)) < 16<<10
}

// ParseWhen reads a time for --from/--to: the digest time format (with or
// without milliseconds), a date, RFC 3339 or epoch milliseconds.
func ParseWhen(s string) (int64, error) {
	if ms, ok := logline.ParseTime(s, nil); ok {
		return ms, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t.UnixMilli(), nil
	}
	return 0, fmt.Errorf("bad time %q: want 2006-01-02 15:04:05[.000], 2006-01-02, RFC 3339 or epoch ms", s)
}

// Skeleton returns trace number i's spans as the index has them (no
// fields), for graphs over many traces.
func (x *Index) Skeleton(i int) (string, []*rebuild.Span) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	t := &x.traces[i]
	out := make([]*rebuild.Span, 0, t.n)
	for si := t.first; si != noSpan; si = x.spans[si].next {
		s := &x.spans[si]
		out = append(out, &rebuild.Span{
			TraceID: t.id, SpanID: string(x.ids[s.sid : s.sid+uint32(s.sidLen)]),
			Service: x.strs[s.svc], Operation: x.strs[s.op], Kind: kinds[s.kind],
			EndMs: s.end, DurationMs: int64(s.cost), Error: s.flags&flagError != 0, Host: x.files[s.file].Host,
		})
	}
	return t.id, out
}

// Services returns every service name, sorted.
func (x *Index) Services() []string {
	x.mu.RLock()
	seen := map[uint32]bool{}
	for i := range x.spans {
		seen[x.spans[i].svc] = true
	}
	var out []string
	for k := range seen {
		out = append(out, x.strs[k])
	}
	x.mu.RUnlock()
	sort.Strings(out)
	return out
}
