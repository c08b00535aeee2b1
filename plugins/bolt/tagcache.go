package bolt

import (
	"github.com/sofatracer/sofatracer-go/internal/strcache"
	"github.com/sofatracer/sofatracer-go/plugins/internal/pluginutil"
	"github.com/sofatracer/sofatracer-go/span"
)

// tagCache keeps the span tag values made from request strings that repeat
// from call to call (operation name, service, method, remote app), so
// that steady traffic allocates none of them; see strcache.Cache.
type tagCache struct {
	ops  strcache.Cache[opTags] // by opKey
	apps strcache.Cache[any]    // remote.app values, by name
}

// opTags are the operation name and the service and method tag values of
// one service and method.
type opTags struct {
	name            string
	service, method any
}

// tags appends the tags every Bolt span starts with. kind and thread are
// constants, which box without allocating.
func (t opTags) tags(dst []span.Tag, kind, thread any) []span.Tag {
	return append(dst,
		span.Tag{Key: span.TagComponent, Value: "bolt"},
		span.Tag{Key: span.TagSpanKind, Value: kind},
		span.Tag{Key: span.TagProtocol, Value: "bolt"},
		span.Tag{Key: span.TagService, Value: t.service},
		span.Tag{Key: span.TagMethod, Value: t.method},
		span.Tag{Key: span.TagThreadName, Value: thread})
}

func (c *tagCache) op(service, method string) opTags {
	if len(service)+len(method) >= strcache.MaxCachedLen {
		return makeOpTags(service, method) // not cached
	}
	// The key: the service's length (one byte), the service, the method;
	// either may hold any byte.
	var buf [strcache.MaxCachedLen]byte
	key := append(append(append(buf[:0], byte(len(service))), service...), method...)
	return c.ops.GetBytes(key, func(key string) opTags {
		n := int(key[0])
		return makeOpTags(key[1:1+n], key[1+n:])
	})
}

func makeOpTags(service, method string) opTags {
	name := service
	if method != "" {
		name = service + "#" + method
	}
	return opTags{name: name, service: service, method: method}
}

// app returns the remote.app tag value of name.
func (c *tagCache) app(name string) any { return c.apps.Get(name, pluginutil.Box) }
