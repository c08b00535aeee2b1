// Command otel shows sofatracer-go behind the OpenTelemetry API: an
// otelhttp server that calls a gRPC back end through an otelgrpc client,
// both on sofaotel's TracerProvider, called by a Java-style SOFA caller
// (the nethttp client plugin). The gRPC back end is traced by the
// grpctrace plugin. Every hop writes digest and stat lines; with an OTLP
// endpoint the spans are also exported to that collector.
//
//	go run . [-dir DIR] [-otlp URL]
//
// The log directory is -dir, else SOFA_TRACER_LOG_DIR, else
// $SOFA_TRACER_LOGGING_PATH/tracelog, else ./logs/tracelog. The OTLP
// endpoint is -otlp, else OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTEL_EXPORTER_OTLP_PROTOCOL picks
// grpc (default) or http/protobuf.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/sofaotel"
	"github.com/sofatracer/sofatracer-go/sofaotel/otlp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func main() {
	dir := flag.String("dir", "", "log directory (default: SOFA_TRACER_LOG_DIR, SOFA_TRACER_LOGGING_PATH/tracelog, ./logs/tracelog)")
	endpoint := flag.String("otlp", "", "OTLP collector URL (default: OTEL_EXPORTER_OTLP_ENDPOINT; none: no export)")
	flag.Parse()
	if err := run(logDir(*dir), otlpEndpoint(*endpoint), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// logDir: the flag wins over the environment, which tracer.New reads.
func logDir(flagDir string) string {
	switch {
	case flagDir != "":
		return flagDir
	case os.Getenv("SOFA_TRACER_LOG_DIR") != "":
		return os.Getenv("SOFA_TRACER_LOG_DIR")
	case os.Getenv("SOFA_TRACER_LOGGING_PATH") != "":
		return tracer.DefaultLogDir()
	}
	return filepath.Join("logs", "tracelog")
}

func otlpEndpoint(flagURL string) string {
	for _, v := range []string{flagURL, os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")} {
		if v != "" {
			return v
		}
	}
	return ""
}

func run(dir, endpoint string, out io.Writer) error {
	opts := []tracer.Option{tracer.WithAppName("otel-demo"), tracer.WithLogDir(dir)}
	var exporter *otlp.Reporter
	if endpoint != "" {
		r, err := otlp.NewReporter(otlp.WithEndpointURL(endpoint))
		if err != nil {
			return err
		}
		exporter = r
		opts = append(opts, tracer.WithReporter(r)) // the tracer closes it
	}
	tr, err := tracer.New(opts...)
	if err != nil {
		return err
	}
	defer tr.Close()
	tp := sofaotel.NewTracerProvider(tr)

	// gRPC back end: the health service behind the grpctrace plugin.
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	gs := grpc.NewServer(grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(tr)))
	healthpb.RegisterHealthServer(gs, health.NewServer())
	go gs.Serve(gln)
	defer gs.Stop()

	// HTTP front end: otelhttp server, otelgrpc client, both on sofaotel,
	// with SOFA propagators (and W3C for OpenTelemetry callers).
	cc, err := grpc.NewClient(gln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp),
			otelgrpc.WithPropagators(sofaotel.TriplePropagator()))))
	if err != nil {
		return err
	}
	defer cc.Close()
	backend := healthpb.NewHealthClient(cc)
	front := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := backend.Check(r.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, resp.Status)
	}), "front", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{}, sofaotel.HTTPPropagator())))
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: front}
	go hs.Serve(hln)

	// The Java-style SOFA caller: the nethttp client plugin, with baggage.
	client := &http.Client{Transport: nethttp.NewTransport(tr, &http.Transport{})}
	for range 3 {
		root, ctx := tr.StartSpanFromContext(context.Background(), "caller")
		root.SetBaggageItem("user", "u-42")
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hln.Addr().String()+"/status", nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		root.Finish()
		fmt.Fprintf(out, "GET /status: %s %s", resp.Status, body)
	}
	client.CloseIdleConnections()

	// Stop the servers so that every span has finished, then close the
	// tracer: it writes what is queued (and the OTLP reporter delivers).
	if err := hs.Shutdown(context.Background()); err != nil {
		return err
	}
	gs.GracefulStop()
	if err := tr.Close(); err != nil {
		return err
	}
	if exporter != nil {
		st := exporter.Stats()
		fmt.Fprintf(out, "\nOTLP %s: sent %d of %d spans\n", endpoint, st.Sent, st.Reported)
	}
	files, _ := filepath.Glob(filepath.Join(tr.LogDir(), "*-digest.log"))
	sort.Strings(files)
	for _, f := range files {
		fmt.Fprintf(out, "\n%s\n  %s\n", f, firstLine(f))
	}
	return nil
}

func firstLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	return sc.Text()
}
