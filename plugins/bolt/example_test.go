package bolt_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"

	"github.com/sofatracer/sofatracer-go/plugins/bolt"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// A traced Bolt server and client on 127.0.0.1: the client sends the trace
// context in SOFARPC's rpc_trace_context.* headers, the server span shares
// the client's SpanId, and both write a line in SOFARPC's layout.
func Example() {
	dir, err := os.MkdirTemp("", "bolt-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t, err := tracer.New(tracer.WithAppName("orders"), tracer.WithLogDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := bolt.NewServer(bolt.HandlerFunc(func(ctx context.Context, req *bolt.Request) (*bolt.Response, error) {
		return &bolt.Response{Content: req.Content}, nil // echo
	}), bolt.WithTracer(t))
	go srv.Serve(lis)

	c, err := bolt.Dial(ctx, lis.Addr().String(), bolt.WithTracer(t))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.Call(ctx, &bolt.Request{
		Service: "com.example.EchoService:1.0",
		Method:  "echo",
		Codec:   bolt.CodecHessian2,
		Content: []byte("hello"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, string(resp.Content))

	c.Close()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	if err := t.Close(); err != nil {
		log.Fatal(err)
	}
	for _, file := range []string{"rpc-client-digest.log", "rpc-server-digest.log"} {
		l := firstLine(filepath.Join(dir, file))
		fmt.Println(file, l["spanId"], l["span.kind"], l["protocol"], l["service"], l["method"], l["result.code"])
	}
	// Output:
	// SUCCESS hello
	// rpc-client-digest.log 0 client bolt com.example.EchoService:1.0 echo 00
	// rpc-server-digest.log 0 server bolt com.example.EchoService:1.0 echo 00
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
