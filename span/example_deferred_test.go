package span_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// headers is a TagSource over "key: value" lines, parsed only when a
// reporter reads the span's tags.
type headers []string

func (h headers) Bounds() span.TagBounds {
	b := span.TagBounds{N: len(h)}
	for _, l := range h {
		k, _, _ := strings.Cut(l, ": ")
		b.Longest = max(b.Longest, len(l))
		b.KeyBits |= span.KeyBit(k)
	}
	return b
}

func (h headers) Tag(key string) any {
	for i := len(h) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(h[i], ": "); k == key {
			return v
		}
	}
	return nil
}

func (h headers) AppendTags(dst []span.Tag) []span.Tag {
	for _, l := range h {
		k, v, _ := strings.Cut(l, ": ")
		dst = append(dst, span.Tag{Key: k, Value: v})
	}
	return dst
}

// An instrumentation that records values in a form of its own sets the
// tags the digest layout needs when the span ends, and hands over the rest
// unconverted.
func ExampleSpan_FinishDeferred() {
	dir, err := os.MkdirTemp("", "sofatracer-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	tr, err := tracer.New(tracer.WithAppName("shop"), tracer.WithLogDir(dir))
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	s := tr.StartSpan("GET /orders").(*span.Span)
	s.FinishDeferred(nil, []span.Tag{{Key: "span.kind", Value: "server"}},
		headers{"user-agent: curl", "span.kind: client"}, opentracing.FinishOptions{})
	fmt.Println(s.Tags())
	// Output: [{span.kind server} {user-agent curl}]
}
