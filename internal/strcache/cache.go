// Package strcache keeps values built from strings that repeat from call
// to call, bounded, for the plugins and sofaotel.
package strcache

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// Cache bounds: past MaxCached entries, and for keys longer than
// MaxCachedLen bytes, values are built per call.
const (
	MaxCached    = 1024
	MaxCachedLen = 256
)

// Cache keeps values built from strings that repeat from call to call
// (span tag values made from a method name, say), built and boxed once,
// so that steady traffic allocates none of them. Cached keys are copies,
// so that they pin no request buffer. Lookups take no lock, nor does a
// miss once the cache is full; other misses build outside the lock and
// copy the map, which the bound keeps cheap. The zero Cache is ready to
// use; it must not be copied after first use.
type Cache[V any] struct {
	m  atomic.Pointer[map[string]V]
	mu sync.Mutex // serializes stores
}

// Get returns the value of key, calling build(key) on a miss.
func (c *Cache[V]) Get(key string, build func(string) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[key]; ok {
			return v
		}
	}
	return c.miss(key, build)
}

// GetBytes is Get for a key held in a byte slice, which it does not
// retain; a hit does not allocate.
func (c *Cache[V]) GetBytes(key []byte, build func(string) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[string(key)]; ok {
			return v
		}
	}
	return c.miss(string(key), build)
}

// Kept returns the value of key, building and keeping it on a miss, and
// true; or, when the key is too long or the cache full, the zero value and
// false, without building it: for callers that have a cheaper way than a
// value built per call.
func (c *Cache[V]) Kept(key []byte, build func(string) V) (V, bool) {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[string(key)]; ok {
			return v, true
		}
	}
	var zero V
	if len(key) > MaxCachedLen || c.Len() >= MaxCached {
		return zero, false
	}
	v, kept := c.store(string(key), build)
	if !kept {
		return zero, false
	}
	return v, true
}

// miss builds the value of key outside the lock, so that a slow build
// holds up no other miss; a full cache takes no lock at all. Two misses
// of one key may both build it: the first one stored wins.
func (c *Cache[V]) miss(key string, build func(string) V) V {
	if len(key) > MaxCachedLen {
		return build(key)
	}
	if p := c.m.Load(); p != nil && len(*p) >= MaxCached {
		return build(key)
	}
	v, _ := c.store(key, build)
	return v
}

// store builds the value of key and keeps it if there is room; it returns
// the kept value (another caller's, if one stored the key first) and
// true, or the value it built and false.
func (c *Cache[V]) store(key string, build func(string) V) (V, bool) {
	key = strings.Clone(key) // the caller's may point into a request
	v := build(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	var old map[string]V
	if p := c.m.Load(); p != nil {
		old = *p
	}
	if w, ok := old[key]; ok {
		return w, true
	}
	if len(old) >= MaxCached {
		return v, false
	}
	m := make(map[string]V, len(old)+1)
	maps.Copy(m, old)
	m[key] = v
	c.m.Store(&m)
	return v, true
}

// Len returns the number of cached values.
func (c *Cache[V]) Len() int {
	if m := c.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}
