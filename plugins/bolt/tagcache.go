package bolt

import (
	"strings"
	"sync"
	"sync/atomic"
)

// tagCache keeps the span tag values made from request strings that repeat
// from call to call (operation name, service, method, remote app), built
// and boxed once, so that steady traffic allocates none of them. Cached
// strings are copies, so that they pin no frame buffer. It is bounded:
// past maxCached entries, and for long strings, values are made per call.
type tagCache struct {
	ops  sync.Map // opKey → *opTags
	apps sync.Map // app name → the same name as an any
	n    atomic.Int32
}

const (
	maxCached    = 1024
	maxCachedLen = 256 // bytes of a cached service, method or app name
)

type opKey struct{ service, method string }

// opTags are the operation name and the service and method tag values of
// one service and method.
type opTags struct {
	name            string
	service, method any
}

func newOpTags(service, method string) opTags {
	name := service
	if method != "" {
		name = service + "#" + method
	}
	return opTags{name: name, service: service, method: method}
}

func (c *tagCache) op(service, method string) opTags {
	if v, ok := c.ops.Load(opKey{service, method}); ok {
		return *v.(*opTags)
	}
	if len(service) > maxCachedLen || len(method) > maxCachedLen || c.n.Load() >= maxCached {
		return newOpTags(service, method)
	}
	service, method = strings.Clone(service), strings.Clone(method)
	t := newOpTags(service, method)
	if _, loaded := c.ops.LoadOrStore(opKey{service, method}, &t); !loaded {
		c.n.Add(1)
	}
	return t
}

// app returns the remote.app tag value of name.
func (c *tagCache) app(name string) any {
	if v, ok := c.apps.Load(name); ok {
		return v
	}
	if len(name) > maxCachedLen || c.n.Load() >= maxCached {
		return name
	}
	name = strings.Clone(name)
	v, loaded := c.apps.LoadOrStore(name, name)
	if !loaded {
		c.n.Add(1)
	}
	return v
}
