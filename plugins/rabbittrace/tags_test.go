package rabbittrace

import (
	"testing"

	"github.com/sofatracer/sofatracer-go/span"
)

// TestTagsOf: the tags of a destination are cached under its names, and
// names holding NUL bytes (which join the cache key) are neither cached
// nor confused with others.
func TestTagsOf(t *testing.T) {
	get := func(names ...string) []span.Tag {
		return tagsOf(&consumeTags, consumeTagsOf, newConsumeTags, names...).OK.Tags()
	}
	value := func(tags []span.Tag, key string) any {
		for _, tg := range tags {
			if tg.Key == key {
				return tg.Value
			}
		}
		return nil
	}
	a := get("ex", "orders", "q1")
	if &a[0] != &get("ex", "orders", "q1")[0] {
		t.Error("the same names gave another block")
	}
	if value(a, TagExchange) != "ex" || value(a, TagRoutingKey) != "orders" || value(a, TagQueue) != "q1" || value(a, span.TagResultCode) != "00" {
		t.Errorf("tags %v", a)
	}
	n := consumeTags.Len()
	odd := get("ex", "a\x00b", "q1")
	if value(odd, TagRoutingKey) != "a\x00b" || value(odd, TagQueue) != "q1" {
		t.Errorf("NUL in a name: tags %v", odd)
	}
	if consumeTags.Len() != n {
		t.Error("names holding NUL were cached")
	}
}
