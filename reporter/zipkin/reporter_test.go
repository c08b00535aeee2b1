package zipkin

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/span"
)

func TestSpansURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:9411/":     "http://localhost:9411/api/v2/spans",
		"http://localhost:9411":      "http://localhost:9411/api/v2/spans",
		"https://z.example/zipkin//": "https://z.example/zipkin/api/v2/spans",
		" http://127.0.0.1:1/base/ ": "http://127.0.0.1:1/base/api/v2/spans",
	} {
		if got, err := SpansURL(in); err != nil || got != want {
			t.Errorf("SpansURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost:9411", "ftp://x/", "http://", "://x"} {
		if _, err := NewReporter(bad); err == nil {
			t.Errorf("NewReporter(%q) accepted", bad)
		}
	}
	if _, err := NewReporter("http://x/", WithQueueSize(0)); err == nil {
		t.Error("queue size 0 accepted")
	}
}

// TestPostsJSON checks what the collector receives, plain and gzipped.
func TestPostsJSON(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprint("gzip=", gz), func(t *testing.T) {
			c := newCollector(t)
			r := newReporter(t, c.URL+"/", WithServiceName("Orders"), WithGzip(gz), WithBatchInterval(20*time.Millisecond))
			const trace = "0a0fe9271567477985327100211176"
			client := mkSpan(trace, "0.1", "0", 1500*time.Microsecond, span.Tag{Key: span.TagSpanKind, Value: "client"}, span.Tag{Key: span.TagRemoteIP, Value: "10.9.8.7:12200"})
			server := mkSpan(trace, "0.1", "0", 1200*time.Microsecond, span.Tag{Key: span.TagSpanKind, Value: "server"})
			server.Ctx.Shared = true
			child := mkSpan(trace, "0.1.1", "0.1", 7*time.Microsecond)
			root := mkSpan(trace, "0", "", 3*time.Millisecond, span.Tag{Key: span.TagSpanKind, Value: "producer"})
			unsampled := mkSpan(trace, "0.2", "0", time.Millisecond)
			unsampled.Ctx.Init(trace, "0.2", "0", false)
			for _, s := range []*span.Span{client, server, child, root, unsampled} {
				r.Report(s)
			}
			waitFor(t, "4 spans", func() bool { return len(c.got()) == 4 })
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			req := c.requests[0]
			c.mu.Unlock()
			if req.URL.Path != "/api/v2/spans" || req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %s %s %s", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
			}
			if enc := req.Header.Get("Content-Encoding"); (enc == "gzip") != gz {
				t.Errorf("Content-Encoding %q with gzip=%v", enc, gz)
			}
			spans := c.got()
			var gotServer, gotClient map[string]any
			for _, s := range spans {
				if s["traceId"] != "000a0fe9271567477985327100211176" {
					t.Errorf("traceId %v", s["traceId"])
				}
				if le := s["localEndpoint"].(map[string]any); le["serviceName"] != "orders" {
					t.Errorf("localEndpoint %v", le)
				}
				switch s["kind"] {
				case "SERVER":
					gotServer = s
				case "CLIENT":
					gotClient = s
				}
			}
			if gotServer == nil || gotClient == nil {
				t.Fatalf("spans %v", spans)
			}
			if gotServer["id"] != "4e18dd181d0a2066" || gotServer["parentId"] != "af63ad4c86019caf" || gotServer["shared"] != true {
				t.Errorf("server span %v", gotServer)
			}
			if gotClient["id"] != gotServer["id"] || gotClient["shared"] != nil || fmt.Sprint(gotClient["duration"]) != "1500" {
				t.Errorf("client span %v", gotClient)
			}
			if re := gotClient["remoteEndpoint"].(map[string]any); re["ipv4"] != "10.9.8.7" || fmt.Sprint(re["port"]) != "12200" {
				t.Errorf("remoteEndpoint %v", re)
			}
			byID := byOrigin(spans)
			if s := byID["0.1.1"]; s["id"] != "b1ecc5b0e1cf206b" || s["parentId"] != "4e18dd181d0a2066" || s["kind"] != nil || fmt.Sprint(s["duration"]) != "7" {
				t.Errorf("child span %v", s)
			}
			if s := byID["0"]; s["id"] != "af63ad4c86019caf" || s["parentId"] != nil || s["kind"] != "PRODUCER" || fmt.Sprint(s["timestamp"]) != fmt.Sprint(t0.Round(time.Microsecond).UnixMicro()) {
				t.Errorf("root span %v", s)
			}
			st := r.Stats()
			if st.Sent != 4 || st.Unsampled != 1 || st.Reported != 4 || st.Dropped() != 0 {
				t.Errorf("stats %s", st)
			}
		})
	}
}

// hang answers after 10 s, or when the request is cancelled.
func hang(stop chan struct{}) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		case <-stop:
		}
		w.WriteHeader(http.StatusAccepted)
		return true
	}
}

func status(code int) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "no", code)
		return true
	}
}

// TestReportNeverBlocks floods collectors that hang, fail or are down:
// Report stays fast, losses are counted, Close is bounded, and every
// reported span is either sent or counted as dropped.
func TestReportNeverBlocks(t *testing.T) {
	for _, name := range []string{"slow10s", "500", "400", "down"} {
		t.Run(name, func(t *testing.T) {
			c := newCollector(t)
			stop := make(chan struct{})
			defer close(stop)
			url := c.URL
			switch name {
			case "slow10s":
				c.setHandler(hang(stop))
			case "500":
				c.setHandler(status(500))
			case "400":
				c.setHandler(status(400))
			case "down":
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				url = "http://" + l.Addr().String()
				l.Close()
			}
			r := newReporter(t, url, WithQueueSize(256), WithMaxBacklog(100), WithBatchSize(10),
				WithBatchInterval(10*time.Millisecond), WithCloseTimeout(300*time.Millisecond))
			const n = 20000
			spans := make([]*span.Span, 64)
			for i := range spans {
				spans[i] = mkSpan("0a0fe9271567477985327100211176", fmt.Sprintf("0.%d", i+1), "0", time.Millisecond)
			}
			var worst time.Duration
			begin := time.Now()
			for i := 0; i < n; i++ {
				t0 := time.Now()
				r.Report(spans[i%len(spans)])
				if d := time.Since(t0); d > worst {
					worst = d
				}
				if i%1000 == 0 {
					time.Sleep(2 * time.Millisecond) // let requests happen meanwhile
				}
			}
			total := time.Since(begin)
			// Generous bounds: a blocking Report would take seconds.
			if total > 3*time.Second || worst > 500*time.Millisecond {
				t.Errorf("%d Reports took %v, the slowest %v", n, total, worst)
			}
			waitFor(t, "a request", func() bool { return r.Stats().Requests > 0 })
			closeStart := time.Now()
			r.Close()
			if d := time.Since(closeStart); d > 5*time.Second { // the collector hangs for 10 s; the close timeout is 300 ms
				t.Errorf("Close took %v", d)
			}
			st := r.Stats()
			t.Logf("%s: %d Reports in %v (slowest %v): %s", name, n, total, worst, st)
			if st.Reported != n || st.Sent+st.Dropped() != n {
				t.Errorf("counts do not add up: %s", st)
			}
			if st.Dropped() == 0 {
				t.Errorf("no drops counted: %s", st)
			}
			switch name {
			case "500", "400":
				if st.Rejected == 0 || st.Sent != 0 {
					t.Errorf("rejections not counted: %s", st)
				}
			case "down":
				if st.SendErrors == 0 || st.Sent != 0 {
					t.Errorf("send errors not counted: %s", st)
				}
			}
		})
	}
}

// TestResumes: a collector that drops connections, then recovers, gets
// what was buffered meanwhile and what comes later.
func TestResumes(t *testing.T) {
	c := newCollector(t)
	c.setHandler(func(w http.ResponseWriter, r *http.Request) bool {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	})
	dir := t.TempDir()
	self, err := reporter.OpenSelfLog(logfile.Config{Dir: dir, Name: "tracer-self.log"})
	if err != nil {
		t.Fatal(err)
	}
	r := newReporter(t, c.URL, WithBatchInterval(10*time.Millisecond), WithSelfLog(self), WithSelfLogInterval(time.Hour))
	for i := 1; i <= 5; i++ {
		r.Report(mkSpan("1", fmt.Sprintf("0.%d", i), "0", time.Millisecond))
	}
	waitFor(t, "failed requests", func() bool { return r.Stats().SendErrors >= 3 })
	c.setHandler(nil)
	for i := 6; i <= 10; i++ {
		r.Report(mkSpan("1", fmt.Sprintf("0.%d", i), "0", time.Millisecond))
	}
	waitFor(t, "10 spans", func() bool { return len(byOrigin(c.got())) == 10 })
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Sent != 10 || st.Dropped() != 0 {
		t.Errorf("stats %s", st)
	}
	self.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "tracer-self.log"))
	log := string(b)
	if n := strings.Count(log, "zipkin: sending"); n != 1 {
		t.Errorf("%d send-failure records, want 1 (rate limited):\n%s", n, log)
	}
	if !strings.Contains(log, "reachable again") || !strings.Contains(log, "zipkin reporter closed: reported=10") {
		t.Errorf("self log:\n%s", log)
	}
}

// TestSelfLogRateLimited: a collector answering 500 for a long time writes
// one record per interval, not one per request.
func TestSelfLogRateLimited(t *testing.T) {
	c := newCollector(t)
	c.setHandler(status(500))
	dir := t.TempDir()
	self, err := reporter.OpenSelfLog(logfile.Config{Dir: dir, Name: "tracer-self.log"})
	if err != nil {
		t.Fatal(err)
	}
	r := newReporter(t, c.URL, WithBatchInterval(5*time.Millisecond), WithQueueSize(1))
	r.SetSelfLog(self)
	for i := 0; i < 200; i++ {
		r.Report(mkSpan("1", "0", "", time.Millisecond))
		if i%10 == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(t, "requests", func() bool { return r.Stats().Requests >= 5 })
	r.Close()
	self.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "tracer-self.log"))
	if n := strings.Count(string(b), "answered 500"); n != 1 {
		t.Errorf("%d records of the 500s, want 1:\n%s", n, b)
	}
	if n := strings.Count(string(b), "queue of 1 spans full"); n != 1 {
		t.Errorf("%d records of the full queue, want 1:\n%s", n, b)
	}
	if st := r.Stats(); st.Rejected == 0 || st.DroppedQueueFull == 0 || st.Sent+st.Dropped() != st.Reported {
		t.Errorf("stats %s", st)
	}
}

// TestCloseFlushes: Close delivers what is buffered without waiting for
// the batch interval.
func TestCloseFlushes(t *testing.T) {
	c := newCollector(t)
	r := newReporter(t, c.URL, WithBatchInterval(time.Hour), WithBatchSize(1<<20))
	for i := 0; i < 500; i++ {
		r.Report(mkSpan("1", fmt.Sprintf("0.%d", i), "0", time.Millisecond))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(c.got()); got != 500 {
		t.Errorf("%d spans delivered at Close, want 500", got)
	}
	r.Report(mkSpan("1", "0", "", time.Millisecond))
	if st := r.Stats(); st.Sent != 500 || st.DroppedAfterClose != 1 {
		t.Errorf("stats %s", st)
	}
}

// TestCloseGivesUp: Close against a hanging collector returns within the
// close timeout, counts the undelivered spans and reports an error.
func TestCloseGivesUp(t *testing.T) {
	c := newCollector(t)
	stop := make(chan struct{})
	defer close(stop)
	c.setHandler(hang(stop))
	r := newReporter(t, c.URL, WithBatchInterval(time.Hour), WithCloseTimeout(200*time.Millisecond))
	for i := 0; i < 50; i++ {
		r.Report(mkSpan("1", fmt.Sprintf("0.%d", i), "0", time.Millisecond))
	}
	start := time.Now()
	err := r.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), "50 spans not delivered") {
		t.Errorf("Close error %v", err)
	}
	if st := r.Stats(); st.DroppedAtClose != 50 {
		t.Errorf("stats %s", st)
	}
}

// TestConcurrentReportAndClose must not panic or race.
func TestConcurrentReportAndClose(t *testing.T) {
	c := newCollector(t)
	r := newReporter(t, c.URL, WithBatchInterval(5*time.Millisecond))
	s := mkSpan("1", "0", "", time.Millisecond)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				r.Report(s)
			}
		}()
	}
	time.Sleep(time.Millisecond)
	r.Close()
	wg.Wait()
	r.Close()
	st := r.Stats()
	if st.Reported != 16000 || st.Sent+st.Dropped() != st.Reported {
		t.Errorf("stats %s", st)
	}
}

// TestBacklogKeepsNewest: while the collector is unreachable the backlog
// keeps the newest spans; the oldest are dropped and counted.
func TestBacklogKeepsNewest(t *testing.T) {
	c := newCollector(t)
	hangUp := func(w http.ResponseWriter, r *http.Request) bool {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return true
	}
	c.setHandler(hangUp)
	r := newReporter(t, c.URL, WithMaxBacklog(10), WithBatchSize(5), WithBatchInterval(10*time.Millisecond), WithMaxRetryBackoff(50*time.Millisecond))
	r.Report(mkSpan("1", "0.0", "0", time.Millisecond))
	waitFor(t, "a failed request", func() bool { return r.Stats().SendErrors > 0 })
	for i := 1; i <= 30; i++ {
		r.Report(mkSpan("1", fmt.Sprintf("0.%d", i), "0", time.Millisecond))
	}
	// 0.0-0.4 were handed to zipkin-go (max(BatchSize, MaxBacklog/2) = 5)
	// and are retried; the backlog keeps the newest 10 of the rest.
	waitFor(t, "the backlog to overflow", func() bool { return r.Stats().DroppedBacklog == 16 })
	c.setHandler(nil)
	waitFor(t, "delivery", func() bool { return r.Stats().Sent == 15 })
	r.Close()
	got := byOrigin(c.got())
	for i := 21; i <= 30; i++ {
		if got[fmt.Sprintf("0.%d", i)] == nil {
			t.Errorf("span 0.%d, one of the newest, was not delivered; got %d spans", i, len(got))
		}
	}
	if st := r.Stats(); st.Sent != 15 || st.DroppedBacklog != 16 || st.Sent+st.Dropped() != st.Reported {
		t.Errorf("stats %s", st)
	}
}
