package sofaotel

import (
	"context"
	"net/http"
	"testing"

	otelprop "go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Whatever arrives, extraction never panics, and a context it accepts
// round-trips: injected again, it is extracted in the same trace. (The
// span id may change form: a SOFA SpanId that looks like a 16-hex-digit
// B3 id is read back as B3, as the core reads X-B3 headers.)
func FuzzPropagatorsExtract(f *testing.F) {
	f.Add("0a0fe9271567477985327100211176", "0.1", "k=v&", "sofa=0a0f;0.1")
	f.Add("463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "", "")
	f.Add("", "", "\xff", "sofa=,;=")
	f.Fuzz(func(t *testing.T, traceID, spanID, bag, state string) {
		for _, p := range []otelprop.TextMapPropagator{HTTPPropagator(), TriplePropagator()} {
			c := otelprop.MapCarrier{
				"X-B3-TraceId": traceID, "X-B3-SpanId": spanID, "baggage-k": bag,
				"sofa-traceid": traceID, "tri-trace-rpcid": spanID, "tri-trace-biz-baggage": bag,
				"sftc_head": "tcid=" + traceID + "&spid=" + spanID + "&" + bag, "tracestate": state,
			}
			ctx := p.Extract(context.Background(), c)
			sc := trace.SpanContextFromContext(ctx)
			if !sc.IsValid() {
				continue
			}
			out := otelprop.HeaderCarrier(http.Header{})
			p.Inject(ctx, out)
			again := trace.SpanContextFromContext(p.Extract(context.Background(), out))
			if again.TraceID() != sc.TraceID() || !again.SpanID().IsValid() {
				t.Fatalf("%T: %v became %v", p, sc, again)
			}
		}
	})
}
