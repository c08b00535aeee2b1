package pluginutil

import (
	"net/netip"
	"testing"

	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestAppendPeerTags(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:50000", "10.1.2.3:80", "[::ffff:10.1.2.3]:81"} {
		ap := netip.MustParseAddrPort(addr)
		want := []span.Tag{
			{Key: span.TagPeerIPv4, Value: ap.Addr().Unmap().String()},
			{Key: span.TagPeerPort, Value: ap.Port()},
		}
		checkTags(t, addr, AppendPeerTags(nil, addr), want)
	}
	for _, addr := range []string{"[::1]:80", "@", "/tmp/sock", "010.1.2.3:80"} {
		checkTags(t, addr, AppendPeerTags(nil, addr), []span.Tag{{Key: span.TagRemoteIP, Value: addr}})
	}
	if tags := AppendPeerTags(nil, ""); len(tags) != 0 {
		t.Errorf("empty addr: %v", tags)
	}
}

func checkTags(t *testing.T, name string, got, want []span.Tag) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %v, want %v", name, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// Boxed returns the table's value, without allocating, for a string in
// the table, and the string itself otherwise.
func TestBoxed(t *testing.T) {
	values := []any{"00", "01"}
	for _, s := range []string{"00", "01", "02", ""} {
		if v := Boxed(s, values); v != any(s) {
			t.Errorf("Boxed(%q) = %v", s, v)
		}
	}
	code := string([]byte("01")) // not a constant
	if n := testing.AllocsPerRun(100, func() { _ = Boxed(code, values) }); n != 0 {
		t.Errorf("Boxed of a table value: %v allocs", n)
	}
}

// SetTagBlock gives another tracer's span the block's tags, then the
// call's own.
func TestSetTagBlockOtherTracer(t *testing.T) {
	sp := mocktracer.New().StartSpan("op").(*mocktracer.MockSpan)
	SetTagBlock(sp, span.NewTagBlock(span.Tag{Key: "a", Value: 1}, span.Tag{Key: "b", Value: 2}), span.Tag{Key: "b", Value: 3}, span.Tag{Key: "c", Value: 4})
	if got := sp.Tags(); len(got) != 3 || got["a"] != 1 || got["b"] != 3 || got["c"] != 4 {
		t.Fatalf("tags %v", got)
	}
}
