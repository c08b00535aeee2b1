// Command httpgrpc shows the nethttp and grpctrace plugins together: a
// client calls an HTTP front end, which calls a gRPC back end (the
// standard health service); every hop is traced by SOFATracer. It then
// closes the tracer and prints each digest file with its first line.
//
// Logs go to the -dir flag when given, else to $SOFA_TRACER_LOG_DIR, else
// to $SOFA_TRACER_LOGGING_PATH/tracelog, else to ./logs/tracelog.
//
//	go run ./examples/httpgrpc [-dir DIR]
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

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/examples/internal/logdir"
	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/plugins/nethttp"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func main() {
	dir := flag.String("dir", "", "log directory (default $SOFA_TRACER_LOG_DIR, else $SOFA_TRACER_LOGGING_PATH/tracelog, else ./logs/tracelog)")
	flag.Parse()
	opts := []tracer.Option{tracer.WithAppName("httpgrpc-demo")}
	if d := logdir.Dir(*dir); d != "" {
		opts = append(opts, tracer.WithLogDir(d))
	}
	tr, err := tracer.New(opts...)
	check(err)

	// gRPC back end: the health service, with the server interceptors.
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	gs := grpc.NewServer(
		grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(tr)),
		grpc.StreamInterceptor(grpctrace.StreamServerInterceptor(tr)))
	healthpb.RegisterHealthServer(gs, health.NewServer())
	go gs.Serve(gln)

	// HTTP front end: a traced handler calling the back end through a
	// traced gRPC client; r.Context() carries the server span.
	cc, err := grpc.NewClient(gln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpctrace.UnaryClientInterceptor(tr)),
		grpc.WithStreamInterceptor(grpctrace.StreamClientInterceptor(tr)))
	check(err)
	backend := healthpb.NewHealthClient(cc)
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := backend.Check(r.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, resp.Status)
	})
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	hs := &http.Server{Handler: nethttp.Middleware(tr, front)}
	go hs.Serve(hln)

	// A client with a traced transport makes a few requests.
	client := &http.Client{Transport: nethttp.NewTransport(tr, nil)}
	for range 3 {
		resp, err := client.Get("http://" + hln.Addr().String() + "/status")
		check(err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("GET /status: %s %s", resp.Status, body)
	}

	// Stop the servers first, so that every span has finished, then close
	// the tracer: it writes what is queued and the last stat interval.
	check(hs.Shutdown(context.Background()))
	cc.Close()
	gs.GracefulStop()
	check(tr.Close())

	for _, l := range []*digest.Layout{digest.HTTPClient, digest.HTTPServer, digest.RPCClient, digest.RPCServer} {
		path := tr.Reporter().DigestPath(l, false)
		fmt.Printf("\n%s\n  %s\n", path, firstLine(path))
	}
}

func firstLine(path string) string {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	return sc.Text()
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
