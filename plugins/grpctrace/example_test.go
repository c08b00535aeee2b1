package grpctrace_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sofatracer/sofatracer-go/plugins/grpctrace"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// A traced gRPC server and client (the standard health service on
// 127.0.0.1): as in SOFARPC, the server span shares the client's SpanId,
// here "0.1" under the caller's "0". Both write a line in SOFARPC's layout.
func Example() {
	dir, err := os.MkdirTemp("", "grpctrace-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(grpctrace.UnaryServerInterceptor(t)),
		grpc.StreamInterceptor(grpctrace.StreamServerInterceptor(t)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(lis)

	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(grpctrace.UnaryClientInterceptor(t)),
		grpc.WithStreamInterceptor(grpctrace.StreamClientInterceptor(t)))
	if err != nil {
		log.Fatal(err)
	}
	root, ctx := t.StartSpanFromContext(context.Background(), "checkout")
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		log.Fatal(err)
	}
	root.Finish()
	fmt.Println(resp.GetStatus())

	conn.Close()
	srv.GracefulStop()
	if err := t.Close(); err != nil {
		log.Fatal(err)
	}
	for _, file := range []string{"rpc-client-digest.log", "rpc-server-digest.log"} {
		l := firstLine(filepath.Join(dir, file))
		fmt.Println(file, l["spanId"], l["span.kind"], l["protocol"], l["service"], l["method"], l["result.code"])
	}
	// Output:
	// SERVING
	// rpc-client-digest.log 0.1 client grpc grpc.health.v1.Health Check 00
	// rpc-server-digest.log 0.1 server grpc grpc.health.v1.Health Check 00
}

// firstLine returns the fields of the first line of a JSON log file.
func firstLine(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	var fields map[string]any
	if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
		log.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range fields {
		out[k] = fmt.Sprint(v)
	}
	return out
}
