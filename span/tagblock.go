package span

// TagBlock is a fixed list of tags that spans share instead of copying
// them: the tags every span of one RPC method carries, say. Make one per
// set of values and keep it (a plugin caches one per method); it never
// changes.
type TagBlock struct {
	tags    []Tag
	maxLen  int    // length of the longest string value
	keyBits uint64 // KeyBit of each key, or-ed: most absent keys need no scan
}

// NewTagBlock returns a block of tags in the given order; a key given
// twice keeps its first place and its last value.
func NewTagBlock(tags ...Tag) *TagBlock {
	b := &TagBlock{tags: make([]Tag, 0, len(tags))}
	for _, t := range tags {
		if i := tagIndex(b.tags, t.Key); i >= 0 {
			b.tags[i].Value = t.Value
		} else {
			b.tags = append(b.tags, t)
		}
		if s, ok := t.Value.(string); ok {
			b.maxLen = max(b.maxLen, len(s))
		}
		b.keyBits |= KeyBit(t.Key)
	}
	b.tags = b.tags[:len(b.tags):len(b.tags)]
	return b
}

// Tags returns the block's tags. The slice must not be modified.
func (b *TagBlock) Tags() []Tag {
	if b == nil {
		return nil
	}
	return b.tags
}

// blockRef marks the span's first inline tag slot as a reference to a
// shared block. It is pointer-shaped, so boxing it does not allocate, and
// unexported, so no caller's tag value can look like one.
type blockRef struct{ b *TagBlock }

// SetTagBlock sets b's tags (none if b is nil), then tags, under one lock: the span ends up
// with the tags SetTags(append(b.Tags(), tags...)...) would give it. A
// span with no tags yet refers to b instead of copying it (setting one of
// b's keys later copies it then), and when tags do not fit in the span
// the array that takes them is sized for them alone: call it once, with
// all the tags a span gets, when it ends.
func (s *Span) SetTagBlock(b *TagBlock, tags ...Tag) {
	s.mu.Lock()
	if s.share(b) {
		s.setFinal(tags, 0)
	} else {
		for _, t := range b.Tags() {
			s.setTag(t.Key, t.Value, -1)
		}
		for _, t := range tags {
			s.setTag(t.Key, t.Value, -1)
		}
	}
	s.mu.Unlock()
}

// share makes the span refer to b when it may (see canShare), and reports
// whether it does.
func (s *Span) share(b *TagBlock) bool {
	if !s.canShare(b) {
		return false
	}
	s.tagBuf[0] = Tag{Value: blockRef{b}}
	s.Ctx.ntags = 1
	return true
}

// canShare reports whether the span may refer to b: it has no tags yet
// and b is not empty and within its limits as it is.
func (s *Span) canShare(b *TagBlock) bool {
	return !s.Ctx.done && s.Ctx.ntags == 0 && (s.more == nil || s.more.tags == nil) && len(b.Tags()) > 0 &&
		s.fits(len(b.tags), b.maxLen)
}

// index returns the position of key in the block (nil: none), or -1.
func (b *TagBlock) index(key string) int {
	if b == nil || b.keyBits&KeyBit(key) == 0 {
		return -1
	}
	return tagIndex(b.tags, key)
}

// tagParts returns the block the span shares (nil if none) and the span's
// own tags. No key is in both.
func (s *Span) tagParts() (shared *TagBlock, own []Tag) {
	first := 0
	if r, ok := s.tagBuf[0].Value.(blockRef); ok {
		shared, first = r.b, 1
	}
	if s.more != nil && s.more.tags != nil {
		return shared, s.more.tags
	}
	return shared, s.tagBuf[first:s.Ctx.ntags]
}

// unshare copies the shared block into the span's own tags, ahead of
// them, and drops the reference.
func (s *Span) unshare(shared, own []Tag) {
	tags := make([]Tag, 0, max(len(shared)+len(own)+1, overflowTags))
	tags = append(append(tags, shared...), own...)
	if s.more == nil {
		s.more = new(more)
	}
	s.more.tags = tags
	s.tagBuf = [inlineTags]Tag{}
	s.Ctx.ntags = inlineTags
}

func tagIndex(tags []Tag, key string) int {
	for i := range tags {
		if tags[i].Key == key {
			return i
		}
	}
	return -1
}
