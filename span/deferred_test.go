package span

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
)

// sliceSource is a TagSource over a slice; it counts the calls that read
// its tags.
type sliceSource struct {
	tags  []Tag
	reads atomic.Int64
}

func (s *sliceSource) Bounds() TagBounds {
	b := TagBounds{N: len(s.tags)}
	for _, t := range s.tags {
		if v, ok := t.Value.(string); ok {
			b.Longest = max(b.Longest, len(v))
		}
		b.KeyBits |= KeyBit(t.Key)
	}
	return b
}

func (s *sliceSource) Tag(key string) any {
	s.reads.Add(1)
	if s.Bounds().KeyBits&KeyBit(key) == 0 {
		panic("Tag(" + key + "): the span asked for a key whose KeyBit no tag has")
	}
	for i := len(s.tags) - 1; i >= 0; i-- {
		if s.tags[i].Key == key {
			return s.tags[i].Value
		}
	}
	return nil
}

func (s *sliceSource) AppendTags(dst []Tag) []Tag {
	s.reads.Add(1)
	return append(dst, s.tags...)
}

// A span finished with deferred tags reads as one that set them at once,
// skipping the keys it had: same tags in the same order, same lookups,
// same refusals, with or without a shared block, logs, limits, and
// whether the deferred tags fit the limits or not.
func TestFinishDeferredMatchesSetTags(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "ij", "ji", "xy", "abc", "cba", strings.Repeat("k", 66)}
	absent := []string{"z", "zz", "zj", "abz", "zbc", strings.Repeat("z", 66)}
	rng := rand.New(rand.NewPCG(3, 4))
	pick := tagPicker(rng, keys)
	for round := range 3000 {
		lim := Limits{}
		if round%3 == 0 {
			lim = Limits{MaxTags: 1 + rng.IntN(16), MaxTagValueLen: 2 + rng.IntN(5)}
		}
		before, tags, src := pick(rng.IntN(6), "own"), pick(rng.IntN(10), "end"), pick(rng.IntN(12), "src")
		want, got := &refuseCounter{refused: map[string]int{}}, &refuseCounter{refused: map[string]int{}}
		ref := NewRecorder(nopOwner{}, want, lim, nil).Start("op", time.Time{})
		s := NewRecorder(nopOwner{}, got, lim, nil).Start("op", time.Time{})
		if round%4 == 0 {
			b := NewTagBlock(pick(1+rng.IntN(4), "block")...)
			ref.SetTagBlock(b)
			s.SetTagBlock(b)
		}
		if round%7 == 0 {
			ref.LogKV("event", "x")
			s.LogKV("event", "x")
		}
		ref.SetTags(before...)
		s.SetTags(before...)

		var fb *TagBlock // a block given to FinishDeferred, shared when the span has no tags yet
		if round%5 == 1 {
			fb = NewTagBlock(pick(1+rng.IntN(4), "fblock")...)
		}
		fbTags := slices.Clone(fb.Tags())
		ref.SetTagBlock(fb, tags...)
		var add []Tag
		for _, tag := range src {
			if ref.Tag(tag.Key) == nil {
				add = append(add, tag)
			}
		}
		ref.SetTags(add...)
		ref.Finish()
		s.FinishDeferred(fb, tags, &sliceSource{tags: src}, opentracing.FinishOptions{})

		sameTags(t, fmt.Sprintf("round %d: before %v block %v tags %v src %v", round, before, fb.Tags(), tags, src), s, ref, append(slices.Clone(keys), absent...), got, want)
		if !slices.Equal(fb.Tags(), fbTags) {
			t.Fatalf("round %d: the block changed: %v, was %v", round, fb.Tags(), fbTags)
		}
	}
}

// The caller's goroutine never reads the deferred tags, and a span with a
// plugin's number of tags costs one allocation to finish; readers on
// several goroutines at once (the reporters) see the same tags.
func TestFinishDeferredReadsLater(t *testing.T) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{MaxTags: 64, MaxTagValueLen: 1024}, nil)
	tags := []Tag{{"http.method", "GET"}, {"span.kind", "server"}, {"http.url", "http://x/"}, {"http.status_code", 200},
		{"req.size.bytes", 0}, {"resp.size.bytes", 2}, {"current.thread.name", "http-server"}}
	src := &sliceSource{tags: []Tag{{"url.path", "/"}, {"server.port", 80}, {"http.method", "POST"}}}
	allocs := testing.AllocsPerRun(100, func() {
		r.Start("op", time.Time{}).FinishDeferred(nil, tags, src, opentracing.FinishOptions{})
	})
	if allocs != 2 { // the span and its tags
		t.Fatalf("%v allocations to start and finish, want 2", allocs)
	}
	if n := src.reads.Load(); n != 0 {
		t.Fatalf("the finishing goroutine read the source %d times", n)
	}

	s := r.Start("op", time.Time{})
	s.FinishDeferred(nil, tags, src, opentracing.FinishOptions{})
	want := append(slices.Clone(tags), Tag{"url.path", "/"}, Tag{"server.port", 80})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := s.Tags(); !slices.Equal(got, want) {
				t.Errorf("tags %v, want %v", got, want)
			}
			if s.Tag("http.method") != "GET" || s.Tag("server.port") != 80 || s.Tag("nope") != nil {
				t.Errorf("lookups: %v %v %v", s.Tag("http.method"), s.Tag("server.port"), s.Tag("nope"))
			}
		})
	}
	wg.Wait()

	// Finished: a second finish, and tags set afterwards, change nothing.
	s.FinishDeferred(nil, []Tag{{"late", 1}}, &sliceSource{tags: []Tag{{"later", 2}}}, opentracing.FinishOptions{})
	s.SetTag("later", 3)
	if got := s.Tags(); !slices.Equal(got, want) {
		t.Fatalf("after a second finish: %v, want %v", got, want)
	}
}

// FinishDeferred keeps an explicit finish time and the log records of the
// options.
func TestFinishDeferredOptions(t *testing.T) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{}, nil)
	start := time.Now()
	s := r.Start("op", start)
	s.FinishDeferred(nil, nil, &sliceSource{}, opentracing.FinishOptions{
		FinishTime: start.Add(3 * time.Second),
		LogRecords: []opentracing.LogRecord{{Timestamp: start, Fields: nil}},
	})
	if s.Duration() != 3*time.Second || len(s.Logs()) != 1 || !s.Finished() {
		t.Fatalf("duration %v, %d logs, finished %v", s.Duration(), len(s.Logs()), s.Finished())
	}
}

// lyingSource understates its bounds: no key bits, no tags, nothing
// long.
type lyingSource struct{ sliceSource }

func (l *lyingSource) Bounds() TagBounds { return TagBounds{N: 1} }

// A nil source adds nothing; a source without KeyBits is asked for every
// key; one whose tags exceed its bounds is cut to the span's limits when
// read, and what is cut is counted.
func TestFinishDeferredSourcesThatSayLittle(t *testing.T) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{}, nil)
	s := r.Start("op", time.Time{})
	s.FinishDeferred(nil, []Tag{{"a", 1}}, nil, opentracing.FinishOptions{})
	if got := s.Tags(); !slices.Equal(got, []Tag{{"a", 1}}) || !s.Finished() {
		t.Fatalf("nil source: tags %v, finished %v", got, s.Finished())
	}

	owner := &refuseCounter{refused: map[string]int{}}
	r = NewRecorder(nopOwner{}, owner, Limits{MaxTags: 3, MaxTagValueLen: 4}, nil)
	s = r.Start("op", time.Time{})
	src := &lyingSource{sliceSource{tags: []Tag{{"b", "long value"}, {"c", 3}, {"d", 4}, {"e", 5}}}}
	s.FinishDeferred(nil, []Tag{{"a", 1}}, src, opentracing.FinishOptions{})
	if v := s.Tag("b"); v != "long...(truncated)" {
		t.Fatalf("Tag(b) = %v, want the value cut to the limit", v)
	}
	if v := s.Tag("e"); v != 5 {
		t.Fatalf("Tag(e) = %v: a source without KeyBits must be asked", v)
	}
	want := []Tag{{"a", 1}, {"b", "long...(truncated)"}, {"c", 3}}
	if got := s.Tags(); !slices.Equal(got, want) {
		t.Fatalf("tags %v, want %v", got, want)
	}
	if owner.refused["tag"] != 2 || owner.refused["tag_value"] != 1 {
		t.Fatalf("refused %v, want 2 tags and 1 value", owner.refused)
	}
}

// A block given to FinishDeferred is shared, not copied, and leaves the
// span's inline room to two more tags: an OpenTelemetry HTTP span (a
// block of its method, kind and status, then its URL and response size)
// keeps its tags inline and allocates only the deferred source's header.
func TestFinishDeferredSharesABlock(t *testing.T) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{MaxTags: 64, MaxTagValueLen: 1024}, nil)
	b := NewTagBlock(Tag{"http.method", "GET"}, Tag{"span.kind", "server"}, Tag{"http.status_code", int64(200)})
	tags := []Tag{{"http.url", "http://x/"}, {"resp.size.bytes", int64(2)}}
	src := &sliceSource{tags: []Tag{{"url.path", "/"}, {"http.method", "POST"}}}
	s := r.Start("op", time.Time{})
	s.FinishDeferred(b, tags, src, opentracing.FinishOptions{})
	if s.more.tags != nil || s.Ctx.ntags != 3 {
		t.Fatalf("tags moved out of the span (more.tags %v, %d inline)", s.more.tags, s.Ctx.ntags)
	}
	want := []Tag{{"http.method", "GET"}, {"span.kind", "server"}, {"http.status_code", int64(200)},
		{"http.url", "http://x/"}, {"resp.size.bytes", int64(2)}, {"url.path", "/"}}
	if got := s.Tags(); !slices.Equal(got, want) {
		t.Fatalf("tags %v, want %v", got, want)
	}
	if s.Tag("http.method") != "GET" || s.Tag("url.path") != "/" || s.Tag("http.url") != "http://x/" {
		t.Fatalf("lookups %v %v %v", s.Tag("http.method"), s.Tag("url.path"), s.Tag("http.url"))
	}
	if n := testing.AllocsPerRun(100, func() {
		r.Start("op", time.Time{}).FinishDeferred(b, tags, src, opentracing.FinishOptions{})
	}); n != 2 { // the span and the deferred source's header
		t.Fatalf("%v allocations to start and finish, want 2", n)
	}
}
