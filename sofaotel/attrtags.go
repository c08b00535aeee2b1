package sofaotel

import (
	"math"

	"go.opentelemetry.io/otel/attribute"

	"github.com/sofatracer/sofatracer-go/span"
)

// attrTags is an ended span's attributes as a span.TagSource: each
// attribute is a tag under its own key, converted when it is read, on the
// reporters' goroutines: the digest writer looks up the few keys a layout
// reads beyond the tags semconvTags derives, and reporters that read every
// tag (Zipkin, OTLP, the biz layout) convert them all once. After End the
// attributes never change.
type attrTags Span

var _ span.TagSource = (*attrTags)(nil)

// Bounds implements span.TagSource. An array's text is not measured: it
// counts as too long, so that the span's limits are applied at End.
func (a *attrTags) Bounds() span.TagBounds {
	b := span.TagBounds{N: len(a.attrs) + len(a.late)}
	for _, l := range [2][]attribute.KeyValue{a.attrs, a.late} {
		for _, kv := range l {
			switch kv.Value.Type() {
			case attribute.STRING:
				b.Longest = max(b.Longest, len(kv.Value.AsString()))
			case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE:
				b.Longest = math.MaxInt
			}
			b.KeyLens |= 1 << (len(kv.Key) % 64)
		}
	}
	return b
}

// Tag implements span.TagSource.
func (a *attrTags) Tag(key string) any {
	for _, l := range [2][]attribute.KeyValue{a.late, a.attrs} {
		for i := len(l) - 1; i >= 0; i-- {
			if string(l[i].Key) == key {
				return tagValue(l[i])
			}
		}
	}
	return nil
}

// AppendTags implements span.TagSource.
func (a *attrTags) AppendTags(dst []span.Tag) []span.Tag {
	return appendAttrTags(appendAttrTags(dst, a.attrs), a.late)
}

// appendAttrTags appends each attribute as a tag under its own key.
func appendAttrTags(dst []span.Tag, attrs []attribute.KeyValue) []span.Tag {
	for _, kv := range attrs {
		dst = append(dst, span.Tag{Key: string(kv.Key), Value: tagValue(kv)})
	}
	return dst
}
