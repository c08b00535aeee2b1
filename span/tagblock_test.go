package span

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

type refuseCounter struct {
	nopOwner
	refused map[string]int
}

func (o *refuseCounter) Refuse(what string) { o.refused[what]++ }

// sameTags fails t unless s has ref's tags, in the same order, gives the
// same value for each key, and refused what ref refused.
func sameTags(t *testing.T, what string, s, ref *Span, keys []string, got, want *refuseCounter) {
	t.Helper()
	if !slices.Equal(s.Tags(), ref.Tags()) {
		t.Fatalf("%s:\n got %v\nwant %v", what, s.Tags(), ref.Tags())
	}
	for _, k := range keys {
		if s.Tag(k) != ref.Tag(k) {
			t.Fatalf("%s: Tag(%q) = %v, want %v", what, k, s.Tag(k), ref.Tag(k))
		}
	}
	if fmt.Sprint(got.refused) != fmt.Sprint(want.refused) {
		t.Fatalf("%s: refused %v, want %v", what, got.refused, want.refused)
	}
}

// tagPicker returns a function making n tags with keys drawn from keys
// and values v0, v1, ...
func tagPicker(rng *rand.Rand, keys []string) func(n int, v string) []Tag {
	return func(n int, v string) []Tag {
		tags := make([]Tag, n)
		for i := range tags {
			tags[i] = Tag{keys[rng.IntN(len(keys))], fmt.Sprint(v, i)}
		}
		return tags
	}
}

// A span sharing a block has exactly the tags SetTags would give it, in
// the same order, whatever is set before and after; the block never
// changes.
func TestSetTagBlockMatchesSetTags(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "ij", strings.Repeat("k", 66)}
	absent := []string{"z", "zz", "zzz", strings.Repeat("z", 66), strings.Repeat("k", 2)}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := tagPicker(rng, keys)
	for round := range 2000 {
		lim := Limits{}
		if round%3 == 0 {
			lim = Limits{MaxTags: 1 + rng.IntN(8), MaxTagValueLen: 2 + rng.IntN(3)}
		}
		blockTags, own, later := pick(rng.IntN(8), "block"), pick(rng.IntN(8), "own"), pick(rng.IntN(5), "later")
		b := NewTagBlock(blockTags...)
		before := slices.Clone(b.Tags())

		want, got := &refuseCounter{refused: map[string]int{}}, &refuseCounter{refused: map[string]int{}}
		ref := NewRecorder(nopOwner{}, want, lim, nil).Start("op", time.Time{})
		s := NewRecorder(nopOwner{}, got, lim, nil).Start("op", time.Time{})
		if round%5 == 0 { // a span that already has a tag copies the block
			ref.SetTag("z", "first")
			s.SetTag("z", "first")
		}
		if round%7 == 0 {
			ref.LogKV("event", "x")
			s.LogKV("event", "x")
		}
		ref.SetTags(append(slices.Clone(b.Tags()), own...)...)
		s.SetTagBlock(b, own...)
		for _, tag := range later {
			ref.SetTag(tag.Key, tag.Value)
			s.SetTag(tag.Key, tag.Value)
		}
		sameTags(t, fmt.Sprintf("round %d: block %v own %v later %v", round, blockTags, own, later), s, ref, append(slices.Clone(keys), absent...), got, want)
		if !slices.Equal(b.Tags(), before) {
			t.Fatalf("round %d: the block changed: %v, was %v", round, b.Tags(), before)
		}
	}
}

// A block with a key twice keeps its first place and last value.
func TestNewTagBlockDuplicates(t *testing.T) {
	b := NewTagBlock(Tag{"a", 1}, Tag{"b", 2}, Tag{"a", 3})
	if want := []Tag{{"a", 3}, {"b", 2}}; !slices.Equal(b.Tags(), want) {
		t.Fatalf("tags %v, want %v", b.Tags(), want)
	}
}

// Sharing costs no allocation while the span's own tags fit inline, and
// one array sized for them (in the same allocation as the span's extras)
// when they do not; a finished span ignores the call.
func TestSetTagBlockAllocations(t *testing.T) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{MaxTags: 64, MaxTagValueLen: 256}, nil)
	b := NewTagBlock(Tag{"component", "grpc"}, Tag{"span.kind", "client"}, Tag{"service", "s"},
		Tag{"method", "m"}, Tag{"invoke.type", "sync"}, Tag{"protocol", "grpc"}, Tag{"result.code", "00"})
	two := []Tag{{"req.size.bytes", int64(2)}, {"resp.size.bytes", int64(14)}}
	five := append(slices.Clone(two), Tag{"remote.ip", "127.0.0.1:1"}, Tag{"local.client.ip", "127.0.0.1"}, Tag{"local.client.port", "2"})
	for _, c := range []struct {
		own    []Tag
		allocs float64
	}{{nil, 1}, {two, 1}, {five, 2}} {
		var s *Span
		if n := testing.AllocsPerRun(100, func() {
			s = r.Start("op", time.Time{})
			s.SetTagBlock(b, c.own...)
		}); n != c.allocs {
			t.Errorf("%d own tags: %v allocations, want %v", len(c.own), n, c.allocs)
		}
		if want := append(slices.Clone(b.Tags()), c.own...); !slices.Equal(s.Tags(), want) {
			t.Errorf("%d own tags: %v, want %v", len(c.own), s.Tags(), want)
		}
		if len(c.own) > 2 && cap(s.more.tags) != 8 {
			t.Errorf("%d own tags: overflow capacity %d, want 8", len(c.own), cap(s.more.tags))
		}
	}
	s := r.Start("op", time.Time{})
	s.SetTagBlock(nil, two...)
	if !slices.Equal(s.Tags(), two) {
		t.Errorf("nil block: %v, want %v", s.Tags(), two)
	}
	s = r.Start("op", time.Time{})
	s.Finish()
	s.SetTagBlock(b, two...)
	if len(s.Tags()) != 0 {
		t.Errorf("a finished span took tags: %v", s.Tags())
	}
}
