package span

import (
	"reflect"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// ShareContext marks SOFATracer contexts as Shared, passes other tracers'
// contexts as plain ChildOf references, ignores nil, and costs no
// allocation for a SOFATracer context.
func TestShareContext(t *testing.T) {
	own := &Context{TraceID: "t", SpanID: "0.1"}
	foreign := mocktracer.New().StartSpan("x").Context()
	for _, tt := range []struct {
		name string
		in   opentracing.SpanContext
		want opentracing.SpanContext // nil: no reference
	}{
		{"sofatracer", own, Shared{own}},
		{"foreign", foreign, foreign},
		{"nil", nil, nil},
	} {
		var o opentracing.StartSpanOptions
		ShareContext(tt.in).Apply(&o)
		switch {
		case tt.want == nil && len(o.References) != 0:
			t.Errorf("%s: references %v, want none", tt.name, o.References)
		case tt.want != nil && (len(o.References) != 1 || o.References[0].Type != opentracing.ChildOfRef || !reflect.DeepEqual(o.References[0].ReferencedContext, tt.want)):
			t.Errorf("%s: references %v, want ChildOf %v", tt.name, o.References, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = ShareContext(own) }); n != 0 {
		t.Errorf("ShareContext allocates %v times, want 0", n)
	}
}
