package sofaotel

import (
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

// Bounds implements span.TagSource: End measured the attributes while
// reading them (see sem.read).
func (a *attrTags) Bounds() span.TagBounds { return a.bounds }

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
