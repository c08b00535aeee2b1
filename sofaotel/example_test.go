package sofaotel_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func ExampleNewTracerProvider() {
	dir, _ := os.MkdirTemp("", "sofaotel-example")
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer t.Close()
	tp := sofaotel.NewTracerProvider(t)
	ctx, root := tp.Tracer("example").Start(context.Background(), "checkout")
	_, child := tp.Tracer("example").Start(ctx, "reserve")
	fmt.Println(child.SpanContext().TraceState().Get("sofa")[len(child.(*sofaotel.Span).SOFASpan().Ctx.TraceID):])
	child.End()
	root.End()
	// Output: ;0.1
}

func ExampleHTTPPropagator() {
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}, sofaotel.HTTPPropagator())
	h := http.Header{"X-B3-Traceid": {"0a0fe9271567477985327100211176"}, "X-B3-Spanid": {"0.1"}}
	sc := trace.SpanContextFromContext(prop.Extract(context.Background(), propagation.HeaderCarrier(h)))
	fmt.Println(sc.TraceID(), sc.SpanID(), sc.TraceState())
	// Output: 000a0fe9271567477985327100211176 4e18dd181d0a2066 sofa=0a0fe9271567477985327100211176;0.1
}

func ExampleTriplePropagator() {
	md := propagation.MapCarrier{"tri-trace-traceid": "0a0fe9271567477985327100211176", "tri-trace-rpcid": "0.1.2", "tri-trace-biz-baggage": "user=u-42&"}
	ctx := sofaotel.TriplePropagator().Extract(context.Background(), md)
	fmt.Println(trace.SpanContextFromContext(ctx).TraceState())
	// Output: sofa=0a0fe9271567477985327100211176;0.1.2
}
