package e2e

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/sofaotel/otlp"
)

// A W3C traceparent caller (the OpenTelemetry SDK with its own OTLP
// exporter) and a service on our provider are one trace in Jaeger.
func TestW3CCallerAndProviderOneTraceInJaeger(t *testing.T) {
	grpcURL, _, queryURL := collector(t)
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpointURL(grpcURL))
	if err != nil {
		t.Fatal(err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("w3c-caller"))))
	defer sdk.Shutdown(context.Background())

	svc := newService(t, "w3c-server", grpcURL, otlp.ProtocolGRPC)
	tp := sofaotel.NewTracerProvider(svc.tr)
	prop := propagation.NewCompositeTextMapPropagator(sofaotel.HTTPPropagator(), propagation.TraceContext{}, propagation.Baggage{})
	h := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, trace.SpanFromContext(r.Context()).SpanContext().TraceID().String())
	}), "w3c-server", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(prop))
	l := listen(t)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	defer srv.Close()

	ctx, caller := sdk.Tracer("caller").Start(context.Background(), "call", trace.WithSpanKind(trace.SpanKindClient))
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+l.Addr().String()+"/w3c", nil)
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	caller.End()
	tid := caller.SpanContext().TraceID().String()
	if string(body) != tid {
		t.Fatalf("server joined trace %s, caller %s", body, tid)
	}
	svc.waitFinished(t, 1)
	svc.tr.Close()
	tr := fetchTrace(t, queryURL, tid, 2)
	var server, parent string
	for _, sp := range tr.Data[0].Spans {
		if tr.Data[0].Processes[sp.ProcessID].ServiceName == "w3c-server" {
			server = sp.SpanID
			if len(sp.References) == 1 {
				parent = sp.References[0].SpanID
			}
		}
	}
	if server == "" || parent != caller.SpanContext().SpanID().String() {
		t.Fatalf("server span %q parent %q, caller %s: %+v", server, parent, caller.SpanContext().SpanID(), tr)
	}
}
