package propagation_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
)

// headerPairs is a message's headers: a propagation.HeaderList and an
// opentracing.TextMapReader.
type headerPairs []struct {
	k string
	v []byte
}

func (l headerPairs) Len() int                      { return len(l) }
func (l headerPairs) Header(i int) (string, []byte) { return l[i].k, l[i].v }
func (l headerPairs) ForeachKey(fn func(k, v string) error) error {
	for _, p := range l {
		if err := fn(p.k, string(p.v)); err != nil {
			return err
		}
	}
	return nil
}

// mapOnly hides the HeaderList methods: Extract reads it through
// ForeachKey.
type mapOnly struct{ l headerPairs }

func (m mapOnly) ForeachKey(fn func(k, v string) error) error { return m.l.ForeachKey(fn) }

func pairsOf(kv ...string) headerPairs {
	l := make(headerPairs, len(kv)/2)
	for i := range l {
		l[i].k, l[i].v = kv[2*i], []byte(kv[2*i+1])
	}
	return l
}

// checkSameAsTextMap asserts that Extract reads the headers kv as a
// HeaderList as it reads them through ForeachKey, and that the context
// does not share the headers' bytes.
func checkSameAsTextMap(t *testing.T, kv []string) {
	t.Helper()
	for _, f := range []opentracing.BuiltinFormat{opentracing.TextMap, opentracing.HTTPHeaders} {
		l := pairsOf(kv...)
		want, wres, werr := propagation.Extract(f, mapOnly{l}, propagation.DefaultLimits)
		got, gres, gerr := propagation.Extract(f, l, propagation.DefaultLimits)
		if gres != wres || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Fatalf("format %v, %q: HeaderList gave %v, %v; ForeachKey %v, %v", f, kv, gres, gerr, wres, werr)
		}
		if werr != nil {
			continue
		}
		if d := diffCtx(got, want); d != "" {
			t.Fatalf("format %v, %q:%s", f, kv, d)
		}
		for _, p := range l { // a client may reuse its buffers
			for i := range p.v {
				p.v[i] = 'z'
			}
		}
		if d := diffCtx(got, want); d != "" {
			t.Fatalf("format %v, %q: the context changed with the headers:%s", f, kv, d)
		}
	}
}

var headerListSeeds = [][]string{
	{"X-B3-TraceId", "0a0fe91d156743109138810017302", "X-B3-SpanId", "0.1", "X-B3-ParentSpanId", "0", "X-B3-Sampled", "true"},
	{"x-b3-traceid", "0a0fe91d156743109138810017302", "x-b3-spanid", "0.1.2", "app", "orders", "baggage-mark", "T", "baggage-sys-zone", "gz%3D1"},
	{"X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124", "X-B3-SpanId", "a2fb4a1d1a96d312", "X-B3-Sampled", "0"},
	{"X-B3-TraceId", "0a0f e91d", "X-B3-SpanId", "0.1"},
	{"X-B3-TraceId", "", "X-B3-SpanId", ""},
	{"sftc_head", "tcid=0a0fe91d156743109138810017302&spid=0.1&pspid=0&sample=true&"},
	{"traceparent", "00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01", "baggage", "k=v"},
	{"SOFA-TraceId", "0a0fe91d156743109138810017302", "SOFA-RpcId", "0.2", "sofaPenAttrs", "mark=T&"},
	{"content-type", "json"},
	{},
}

func TestHeaderListSameAsTextMap(t *testing.T) {
	for _, kv := range headerListSeeds {
		checkSameAsTextMap(t, kv)
	}
	big := strings.Repeat("a", propagation.DefaultLimits.MaxCarrierSize+1)
	checkSameAsTextMap(t, []string{"X-B3-TraceId", big, "X-B3-SpanId", "0.1"})
	checkSameAsTextMap(t, []string{"X-B3-TraceId", "0a0fe91d156743109138810017302", "X-B3-SpanId", "0.1", "baggage-k", big})
	// Extract remembers what the first headers are: ours past them count
	// too, the first value of a key wins on both sides of that bound.
	var many []string
	for i := range 20 {
		many = append(many, fmt.Sprintf("h%d", i), "v")
		if i == 5 || i == 18 {
			many = append(many, "X-B3-SpanId", fmt.Sprintf("0.%d", i), "BAGGAGE-SYS-z"+fmt.Sprint(i), "1", "baggage-k", fmt.Sprint(i))
		}
	}
	checkSameAsTextMap(t, append(many, "x-b3-traceid", "0a0fe91d156743109138810017302"))
}

// TestHeaderListAllocs: Java's four headers cost one allocation, the
// context with the copy of their values, nothing for Extract's state.
func TestHeaderListAllocs(t *testing.T) {
	l := pairsOf(headerListSeeds[0]...)
	var carrier any = l
	n := testing.AllocsPerRun(100, func() {
		if _, _, err := propagation.Extract(opentracing.TextMap, carrier, propagation.DefaultLimits); err != nil {
			t.Fatal(err)
		}
	})
	if n > 1 {
		t.Fatalf("%v allocations per extraction, want at most 1", n)
	}
}

// FuzzHeaderList: any headers read as a HeaderList give what ForeachKey
// gives, and never panic.
func FuzzHeaderList(f *testing.F) {
	for _, kv := range headerListSeeds {
		f.Add(strings.Join(kv, "\n"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		kv := strings.Split(s, "\n")
		if len(kv)%2 != 0 {
			kv = kv[:len(kv)-1]
		}
		checkSameAsTextMap(t, kv)
	})
}
