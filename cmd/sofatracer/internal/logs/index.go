package logs

import (
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// Index holds every span of the digest files in about 60 bytes each:
// interned services, operations and result codes, span ids in one arena,
// the line's file and offset instead of its text. It is safe for
// concurrent use; Add appends while searches run.
type Index struct {
	mu     sync.RWMutex
	files  []source.File
	trIdx  map[string]uint32
	traces []traceRec
	spans  []spanRec
	strs   []string
	strIdx map[string]uint32
	ids    []byte
	last   [3]lastStr // the previous service, operation and result: lines repeat them
	links  []rebuild.Link
	C      Counts
}

type lastStr struct {
	s  string
	id uint32
	ok bool
}

type traceRec struct {
	id          string
	first, last uint32 // spans, linked through spanRec.next
	n           uint32
	start, end  int64
	errs        uint32
}

const (
	flagError = 1 << iota
	flagShadow
)

type spanRec struct {
	next    uint32 // next span of the trace, noSpan at the end
	file    uint32
	svc, op uint32 // interned
	sid     uint32 // offset in ids
	cost    int32
	res     uint16 // interned result code; resOther when the table is full
	sidLen  uint16
	kind    uint8
	flags   uint8
	end     int64
	off     int64
}

const resOther = math.MaxUint16

const noSpan = math.MaxUint32

var kinds = []string{"", "client", "server", "producer", "consumer"}

func kindCode(b []byte) uint8 {
	for i, k := range kinds {
		if string(b) == k {
			return uint8(i)
		}
	}
	return 0
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{trIdx: map[string]uint32{}, strIdx: map[string]uint32{"": 0}, strs: []string{""}}
}

// rawRec is a parsed span waiting to be merged, its texts in an arena.
type rawRec struct {
	file                   uint32
	kind, flags            uint8
	off, end               int64
	cost                   int32
	tid, sid, svc, op, res [2]uint32
}

type batch struct {
	recs  []rawRec
	arena []byte
}

func (b *batch) put(v []byte) [2]uint32 {
	o := len(b.arena)
	b.arena = append(b.arena, v...)
	return [2]uint32{uint32(o), uint32(len(v))}
}

func (b *batch) get(r [2]uint32) []byte { return b.arena[r[0] : r[0]+r[1]] }

// AddFiles reads files into the index, a parser per core and one merger,
// and returns the offset after each file's last complete line. With
// follow, a last line without a line ending is left for Tail.
func (x *Index) AddFiles(files []source.File, follow bool) []int64 {
	x.mu.Lock()
	first := len(x.files)
	x.files = append(x.files, files...)
	x.reserve(files)
	x.mu.Unlock()
	ends := make([]int64, len(files))
	ch := make(chan *batch, 8)
	var wg sync.WaitGroup
	var next atomic.Int64
	pool := sync.Pool{New: func() any { return &batch{} }}
	for range max(1, min(runtime.GOMAXPROCS(0), len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p logline.Parser
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				ends[i] = x.readFile(&p, &files[i], uint32(first+i), 0, follow, ch, &pool)
			}
		}()
	}
	go func() { wg.Wait(); close(ch) }()
	for b := range ch {
		x.merge(b)
		b.recs, b.arena = b.recs[:0], b.arena[:0]
		pool.Put(b)
	}
	return ends
}

// reserve grows the tables for the spans files will probably hold (a
// digest line is 300 bytes or more), instead of doubling many times.
func (x *Index) reserve(files []source.File) {
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f.Path); err == nil && !f.Gzip {
			size += fi.Size()
		}
	}
	spans := int(size / 300)
	if len(x.spans)+spans <= cap(x.spans) {
		return
	}
	x.spans = slices.Grow(x.spans, spans)
	x.ids = slices.Grow(x.ids, spans*6)
	if len(x.traces) == 0 {
		x.traces = make([]traceRec, 0, spans/4)
		x.trIdx = make(map[string]uint32, spans/4)
	}
}

// Tail reads file number n (see FileNo) from offset off, leaving a last
// line without a line ending for the next call, and returns the offset
// after what it read.
func (x *Index) Tail(n int, off int64) int64 {
	x.mu.RLock()
	f := x.files[n]
	x.mu.RUnlock()
	ch := make(chan *batch, 4)
	pool := sync.Pool{New: func() any { return &batch{} }}
	var end int64
	go func() {
		var p logline.Parser
		end = x.readFile(&p, &f, uint32(n), off, true, ch, &pool)
		close(ch)
	}()
	for b := range ch {
		x.merge(b)
	}
	return end
}

// AddFile registers a file without reading it and returns its number.
func (x *Index) AddFile(f source.File) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.files = append(x.files, f)
	return len(x.files) - 1
}

// SetPath records that file n was renamed (rotated) to path.
func (x *Index) SetPath(n int, path string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.files[n].Path = path
}

// Compact gives back the spare capacity that appending left.
func (x *Index) Compact() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.spans = slices.Clone(x.spans)
	x.traces = slices.Clone(x.traces)
	x.ids = slices.Clone(x.ids)
}

// readFile parses one file from offset off and returns the offset after
// its last complete line. With follow, a last line without a line ending
// is left for the next read.
func (x *Index) readFile(p *logline.Parser, f *source.File, fileNo uint32, off int64, follow bool, ch chan<- *batch, pool *sync.Pool) int64 {
	if f.Kind != source.Digest && f.Kind != source.Unknown && f.Kind != source.Self {
		return off
	}
	rc, err := source.Open(*f)
	if err != nil {
		x.C.Errors.Add(1)
		return off
	}
	defer rc.Close()
	if off > 0 {
		s, ok := rc.(io.Seeker)
		if !ok {
			return off // a gzip file is read once
		}
		if _, err := s.Seek(off, io.SeekStart); err != nil {
			return off
		}
	}
	x.C.Files.Add(1)
	rd := source.NewReader(rc, off)
	rd.Follow = follow
	b := pool.Get().(*batch)
	var r logline.Record
	var opBuf []byte
	for {
		line, lo, ok := rd.Next()
		if !ok {
			break
		}
		if len(line) == 0 {
			continue
		}
		if f.Kind == source.Self {
			if m := restartLine.FindSubmatch(line); m != nil {
				x.mu.Lock()
				x.links = append(x.links, rebuild.Link{Old: string(m[1]), Span: string(m[2]), New: string(m[3])})
				x.mu.Unlock()
			}
			continue
		}
		x.C.Lines.Add(1)
		if err := p.Digest(line, f.Layout, &r, nil); err != nil {
			x.C.Corrupt.Add(1)
			continue
		}
		var flags uint8
		if r.Error() {
			flags |= flagError
		}
		if f.Shadow {
			flags |= flagShadow
		}
		opBuf = r.AppendOperation(opBuf[:0])
		cost := r.CostMs
		if cost < 0 {
			cost = 0
		}
		b.recs = append(b.recs, rawRec{
			file: fileNo, kind: kindCode(r.Kind), flags: flags, off: lo, end: r.EndMs,
			cost: int32(min(cost, math.MaxInt32)),
			tid:  b.put(r.TraceID), sid: b.put(r.SpanID), svc: b.put(r.App), op: b.put(opBuf), res: b.put(r.Result),
		})
		if len(b.recs) >= 4096 {
			ch <- b
			b = pool.Get().(*batch)
		}
	}
	x.C.Long.Add(int64(rd.Long))
	if len(b.recs) > 0 {
		ch <- b
	} else {
		pool.Put(b)
	}
	return rd.Offset()
}

func (x *Index) intern(b []byte) uint32 {
	if i, ok := x.strIdx[string(b)]; ok {
		return i
	}
	s := string(b)
	x.strs = append(x.strs, s)
	i := uint32(len(x.strs) - 1)
	x.strIdx[s] = i
	return i
}

// internLast interns b through the one-entry cache c.
func (x *Index) internLast(c *lastStr, b []byte) uint32 {
	if c.ok && c.s == string(b) {
		return c.id
	}
	id := x.intern(b)
	*c = lastStr{x.strs[id], id, true}
	return id
}

func (x *Index) merge(b *batch) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range b.recs {
		r := &b.recs[i]
		tid := b.get(r.tid)
		ti, ok := x.trIdx[string(tid)]
		if !ok {
			ti = uint32(len(x.traces))
			x.traces = append(x.traces, traceRec{id: string(tid), first: noSpan, last: noSpan})
			x.trIdx[x.traces[ti].id] = ti
		}
		sid := b.get(r.sid)
		si := uint32(len(x.spans))
		res := x.internLast(&x.last[2], b.get(r.res))
		if res >= resOther {
			res = resOther
		}
		x.spans = append(x.spans, spanRec{
			next: noSpan, file: r.file,
			svc: x.internLast(&x.last[0], b.get(r.svc)), op: x.internLast(&x.last[1], b.get(r.op)), res: uint16(res),
			sid: uint32(len(x.ids)), sidLen: uint16(min(len(sid), math.MaxUint16)),
			kind: r.kind, flags: r.flags, off: r.off, end: r.end, cost: r.cost,
		})
		x.ids = append(x.ids, sid[:min(len(sid), math.MaxUint16)]...)
		t := &x.traces[ti]
		start := r.end - int64(r.cost)
		if t.n == 0 || start < t.start {
			t.start = start
		}
		if t.n == 0 || r.end > t.end {
			t.end = r.end
		}
		if t.first == noSpan {
			t.first = si
		} else {
			x.spans[t.last].next = si
		}
		t.last = si
		t.n++
		if r.flags&flagError != 0 {
			t.errs++
		}
		x.C.Spans.Add(1)
	}
}

// Len returns the numbers of traces and spans.
func (x *Index) Len() (traces, spans int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.traces), len(x.spans)
}

// Files returns the indexed files.
func (x *Index) Files() []source.File {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]source.File(nil), x.files...)
}
