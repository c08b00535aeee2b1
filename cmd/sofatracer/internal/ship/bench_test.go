package ship

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkShip: spans per second from digest files to a local Zipkin
// and/or OTLP/HTTP endpoint that reads and discards each request (the
// shipper's own cost: read, parse, convert, encode, POST, save
// positions). $SOFA_BENCH_SPANS spans (default 50,000).
func BenchmarkShip(b *testing.B) {
	n := 50000
	if v := os.Getenv("SOFA_BENCH_SPANS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "biz-digest.log"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var size int64
	for i := range n {
		l := digestLine(i)
		size += int64(len(l))
		w.WriteString(l)
	}
	w.Flush()
	f.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	for _, to := range []string{"zipkin", "otlp", "both"} {
		b.Run(to, func(b *testing.B) {
			o := Options{Inputs: []string{dir}}
			if to != "otlp" {
				o.Zipkin = srv.URL
			}
			if to != "zipkin" {
				o.OTLP = srv.URL
			}
			benchShip(b, o, n, size)
		})
	}
}

func benchShip(b *testing.B, o Options, n int, size int64) {
	b.SetBytes(size)
	var elapsed time.Duration
	for range b.N {
		o.StatePath = filepath.Join(b.TempDir(), "state")
		s, err := New(o)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := s.Pass(context.Background()); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(t0)
		if s.S.Sent.Load() != int64(n) {
			b.Fatalf("sent %d of %d", s.S.Sent.Load(), n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "spans/s")
}
