package strcache

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCacheBounds(t *testing.T) {
	var c Cache[any]
	built := 0
	build := func(s string) any { built++; return s }
	if v := c.Get("a", build); v != "a" || c.Len() != 1 {
		t.Fatalf("Get(a) = %v, Len %d", v, c.Len())
	}
	c.Get("a", build)
	if built != 1 {
		t.Fatalf("a hit built the value again (%d builds)", built)
	}
	long := strings.Repeat("x", MaxCachedLen+1)
	if v := c.Get(long, build); v != long || c.Len() != 1 {
		t.Fatalf("long key: %v cached: Len %d", v == long, c.Len())
	}
	for i := 0; c.Len() < MaxCached; i++ {
		c.Get(strconv.Itoa(i), build)
	}
	before := built
	if v := c.Get("past-the-cap", build); v != "past-the-cap" || c.Len() != MaxCached {
		t.Fatalf("past the cap: %v, Len %d", v, c.Len())
	}
	c.Get("past-the-cap", build)
	if built != before+2 {
		t.Fatalf("past the cap: %d builds, want 2", built-before)
	}
	if n := testing.AllocsPerRun(100, func() { c.Get("a", build) }); n != 0 {
		t.Fatalf("hit: %v allocs", n)
	}
	buf := []byte("a")
	if n := testing.AllocsPerRun(100, func() { c.GetBytes(buf, build) }); n != 0 {
		t.Fatalf("GetBytes hit: %v allocs", n)
	}
}

// Once the cache is full, a miss neither waits for nor takes the mutex
// that serializes misses, and no miss builds its value under that mutex.
func TestCacheMissOutsideLock(t *testing.T) {
	var c Cache[any]
	underLock := 0
	build := func(s string) any {
		if c.mu.TryLock() {
			c.mu.Unlock()
		} else {
			underLock++
		}
		return s
	}
	for i := 0; c.Len() < MaxCached; i++ {
		c.Get(strconv.Itoa(i), build)
	}
	if underLock != 0 {
		t.Errorf("%d of %d misses built their value under the mutex", underLock, MaxCached)
	}
	c.mu.Lock() // held by someone else: a miss of a full cache must not wait
	done := make(chan any)
	go func() { done <- c.Get("past-the-cap", func(s string) any { return s }) }()
	select {
	case v := <-done:
		c.mu.Unlock()
		if v != "past-the-cap" {
			t.Fatalf("miss of a full cache = %v", v)
		}
	case <-time.After(5 * time.Second):
		c.mu.Unlock()
		<-done
		t.Fatal("a miss of a full cache waited for the mutex")
	}
}

// A key cached from a byte slice is a copy: reusing the slice changes
// neither the key nor the value.
func TestCacheGetBytesCopies(t *testing.T) {
	var c Cache[any]
	build := func(s string) any { return s }
	buf := []byte("svc")
	if v := c.GetBytes(buf, build); v != "svc" {
		t.Fatalf("GetBytes = %v", v)
	}
	copy(buf, "xyz")
	if v := c.Get("svc", func(string) any { return "rebuilt" }); v != "svc" {
		t.Fatalf("after reuse of the buffer: %v, want svc", v)
	}
}

// Kept keeps what it builds, and builds nothing it could not keep.
func TestCacheKept(t *testing.T) {
	var c Cache[any]
	built := 0
	build := func(s string) any { built++; return s }
	if v, ok := c.Kept([]byte("a"), build); v != "a" || !ok || c.Len() != 1 {
		t.Fatalf("Kept(a) = %v, %v; Len %d", v, ok, c.Len())
	}
	if v, ok := c.Kept([]byte("a"), build); v != "a" || !ok || built != 1 {
		t.Fatalf("hit: %v, %v after %d builds", v, ok, built)
	}
	if v, ok := c.Kept([]byte(strings.Repeat("x", MaxCachedLen+1)), build); v != nil || ok || built != 1 {
		t.Fatalf("long key: %v, %v after %d builds", v, ok, built)
	}
	for i := 0; c.Len() < MaxCached; i++ {
		c.Get(strconv.Itoa(i), build)
	}
	before := built
	if v, ok := c.Kept([]byte("past-the-cap"), build); v != nil || ok || built != before {
		t.Fatalf("full: %v, %v, %d builds", v, ok, built-before)
	}
	key := []byte("a")
	if n := testing.AllocsPerRun(100, func() { c.Kept(key, build) }); n != 0 {
		t.Fatalf("hit: %v allocs", n)
	}
}
