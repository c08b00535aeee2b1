package span

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/opentracing/opentracing-go"
)

// TagSource holds tags in a form of its own and converts them only when
// they are read: see FinishDeferred. Its methods may be called
// concurrently, and what they return must not change. Its Bounds must
// not understate its tags: a span checks its limits against them, and
// cuts what exceeds them only when the tags are read.
type TagSource interface {
	// Bounds describes the tags.
	Bounds() TagBounds
	// Tag returns the value of the last tag with the key, or nil; the
	// span asks only for keys whose KeyBit is in the bounds' KeyBits.
	Tag(key string) any
	// AppendTags appends the tags to dst in the order they were set; a
	// key may repeat, and its last value counts.
	AppendTags(dst []Tag) []Tag
}

// TagBounds describes the tags of a TagSource, so that a span can check
// its limits and skip lookups without converting them.
type TagBounds struct {
	N       int    // how many tags AppendTags appends
	Longest int    // the length of the longest string value
	KeyBits uint64 // KeyBit of the key of each tag, or-ed; zero: any key
}

// KeyBit is the bit of TagBounds.KeyBits that key sets, one of 64 chosen
// by its length and its first and last bytes. A lookup of a key whose bit
// is not set skips the source: most absent keys, such as the digest
// layouts' fields that an OpenTelemetry span's attributes lack, get a bit
// that no present key sets.
func KeyBit(key string) uint64 {
	n := uint(len(key))
	if n == 0 {
		return 1
	}
	return 1 << ((n*7 + uint(key[0])*3 + uint(key[n-1])) % 64)
}

// FinishDeferred sets b's tags (none if b is nil) and then tags, as
// SetTagBlock does, then finishes the span as FinishWithOptions does,
// adding the tags of src after the span's own; a key the span has keeps
// its value. src is read only when the span's tags are (Tag, Tags): for a
// finished span, on the goroutines of its reporters, so converting its
// tags costs the caller nothing. When src's tags could exceed the span's
// limits, they are set at once instead, and the limits refuse and count
// what does not fit, as SetTags does. A nil src adds none. Only the first
// Finish counts.
func (s *Span) FinishDeferred(b *TagBlock, tags []Tag, src TagSource, opts opentracing.FinishOptions) {
	s.mu.Lock()
	if s.Ctx.done {
		s.mu.Unlock()
		return
	}
	var bounds TagBounds
	if src != nil {
		bounds = src.Bounds()
	}
	shared := s.share(b)
	n := len(tags) // the tags set here that the span holds itself
	if !shared {
		n += len(b.Tags())
	}
	eager := false
	switch {
	case bounds.N == 0:
	case s.fits(n+bounds.N, bounds.Longest):
		s.deferTo(src, bounds, n)
	default:
		eager = true
	}
	if !shared {
		s.setFinal(b.Tags(), len(tags))
	}
	s.setFinal(tags, 0)
	if eager {
		s.setFinal(s.absent(src.AppendTags(nil)), 0)
	}
	s.finishLocked(opts)
	s.mu.Unlock()
	s.rec.owner.Report(s)
}

// deferTo makes src, of bounds b, the span's deferred tags, in one
// allocation with room for n more tags of its own when they fit.
func (s *Span) deferTo(src TagSource, b TagBounds, n int) {
	if b.KeyBits == 0 {
		b.KeyBits = ^uint64(0)
	}
	var (
		md  *moreDeferred
		arr []Tag // room for the span's tags, when they move out of tagBuf
	)
	_, own := s.tagParts()
	switch total := len(own) + n; {
	case s.more != nil && s.more.tags != nil, int(s.Ctx.ntags)+n <= inlineTags, total > 8:
		md = new(moreDeferred) // the tags stay where they are, or grow as SetTag grows them
	case total <= 6: // an HTTP server span's layout tags
		m := new(moreDeferred6)
		md, arr = &m.moreDeferred, m.arr[:0]
	default:
		m := new(moreDeferred8)
		md, arr = &m.moreDeferred, m.arr[:0]
	}
	md.d.src, md.d.bounds = src, b // by field: a struct copy costs a bulk write barrier
	if s.more != nil {
		md.more = *s.more
	}
	s.more, s.Ctx.deferred = &md.more, true
	if arr != nil {
		s.moveTagsTo(own, arr)
	}
}

// fits reports whether n more tags, none longer than longest, are within
// the span's limits.
func (s *Span) fits(n, longest int) bool {
	lim := &s.rec.limits
	b, own := s.tagParts()
	return (lim.MaxTags <= 0 || len(b.Tags())+len(own)+n <= lim.MaxTags) &&
		(lim.MaxTagValueLen <= 0 || longest <= lim.MaxTagValueLen)
}

// absent returns, in place, the tags whose keys the span does not have.
func (s *Span) absent(tags []Tag) []Tag {
	keep := tags[:0]
	for _, t := range tags {
		if s.Tag(t.Key) == nil {
			keep = append(keep, t)
		}
	}
	return keep
}

// setFinal sets the last tags of a span about to finish, but for after
// more: an array they outgrow is sized for them alone.
func (s *Span) setFinal(tags []Tag, after int) {
	for i, t := range tags {
		s.setTag(t.Key, t.Value, len(tags)-i+after)
	}
}

// moreDeferred is a span's more with the TagSource of FinishDeferred: the
// span's more points at its head, and Ctx.deferred says so.
type moreDeferred struct {
	more
	d deferredTags
}

// moreDeferred6 and moreDeferred8 add the first array of more.tags, sized
// for the span's tags (each fills its allocation size class).
type moreDeferred6 struct {
	moreDeferred
	arr [6]Tag
}

type moreDeferred8 struct {
	moreDeferred
	arr [8]Tag
}

type deferredTags struct {
	src    TagSource
	bounds TagBounds // KeyBits never zero: deferTo makes zero all bits
	done   atomic.Bool
	mu     sync.Mutex
	tags   []Tag // all the span's tags, once asked for
}

// lookup returns the value of the deferred tag key, or nil; a string
// longer than the span's limit (a source that understated its bounds) is
// cut.
func (d *deferredTags) lookup(s *Span, key string) any {
	if d.bounds.KeyBits&KeyBit(key) == 0 {
		return nil
	}
	v := d.src.Tag(key)
	if str, ok := v.(string); ok && overLimit(str, s.rec.limits.MaxTagValueLen) {
		return truncate(str, s.rec.limits.MaxTagValueLen)
	}
	return v
}

// deferred returns the span's deferred tags, or nil.
func (s *Span) deferred() *deferredTags {
	if !s.Ctx.deferred {
		return nil
	}
	return &(*moreDeferred)(unsafe.Pointer(s.more)).d
}

// all returns the span's own tags followed by src's, each key once, made
// on the first call.
func (d *deferredTags) all(s *Span) []Tag {
	if !d.done.Load() {
		d.mu.Lock()
		if !d.done.Load() {
			d.tags = s.merge(d.src, d.bounds.N)
			d.done.Store(true)
		}
		d.mu.Unlock()
	}
	return d.tags
}

// merge returns the span's own tags (a shared block's, then its own)
// followed by the tags of src (n of them, by its bounds) whose keys the
// span lacks, each key at its first place with its last value, in one new
// slice. Tags past the span's limits (a source that understated its
// bounds) are refused and counted, as setTag refuses them.
func (s *Span) merge(src TagSource, n int) []Tag {
	b, mine := s.tagParts()
	shared := b.Tags()
	base := len(shared) + len(mine)
	all := src.AppendTags(append(append(make([]Tag, 0, base+n), shared...), mine...))
	own := all[:base]
	w := base
	for _, t := range all[base:] {
		if tagIndex(own, t.Key) >= 0 {
			continue
		}
		if i := tagIndex(all[base:w], t.Key); i >= 0 {
			all[base+i].Value = t.Value
			continue
		}
		all[w] = t
		w++
	}
	lim := &s.rec.limits
	if lim.MaxTags > 0 && w > lim.MaxTags {
		for range w - max(lim.MaxTags, base) {
			s.rec.owner.Refuse("tag")
		}
		w = max(lim.MaxTags, base)
	}
	for i := base; i < w; i++ {
		if str, ok := all[i].Value.(string); ok && overLimit(str, lim.MaxTagValueLen) {
			all[i].Value = truncate(str, lim.MaxTagValueLen)
			s.rec.owner.Refuse("tag_value")
		}
	}
	clear(all[w:])
	return all[:w:w]
}
