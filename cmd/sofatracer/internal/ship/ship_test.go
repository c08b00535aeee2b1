package ship

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// collector is a Zipkin endpoint that records span ids and can be down.
type collector struct {
	mu   sync.Mutex
	ids  map[string]int // origin.span.id -> times received
	down atomic.Bool
	last map[string]any
}

func newCollector(t *testing.T) (*collector, string) {
	c := &collector{ids: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var spans []map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &spans); err != nil {
			t.Errorf("collector: %v: %.200s", err, body)
			http.Error(w, err.Error(), 400)
			return
		}
		c.mu.Lock()
		for _, s := range spans {
			c.ids[s["tags"].(map[string]any)["origin.span.id"].(string)]++
			c.last = s
		}
		c.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func (c *collector) count() (distinct, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.ids {
		distinct++
		total += n
	}
	return
}

func digestLine(i int) string {
	return fmt.Sprintf(`{"time":"2026-11-24 10:00:00.%03d","local.app":"flood","traceId":"0a0000011764000000000100011234","spanId":"0.%d","span.kind":"","result.code":"","current.thread.name":"g","time.cost.milliseconds":"1ms","method":"step","n":"%d","sys.baggage":"","biz.baggage":"user=u-1&"}`+"\r\n", i%1000, i+1, i)
}

// writer appends n lines to dir/biz-digest.log, renaming it to a rolled
// name every rotate lines, as SOFATracer's daily/hourly rolling does.
func writer(t *testing.T, dir string, from, n, rotate int) {
	p := filepath.Join(dir, "biz-digest.log")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Error(err)
		return
	}
	for i := from; i < from+n; i++ {
		if i > from && i%rotate == 0 {
			f.Close()
			if err := os.Rename(p, fmt.Sprintf("%s.2026-11-24_%02d", p, i/rotate%100)); err != nil {
				t.Error(err)
				return
			}
			if f, err = os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
				t.Error(err)
				return
			}
		}
		// a line is written in two parts sometimes: a reader must wait for its end
		l := digestLine(i)
		if i%7 == 0 {
			f.WriteString(l[:20])
			f.WriteString(l[20:])
		} else {
			f.WriteString(l)
		}
	}
	f.Close()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func start(t *testing.T, o Options) (stop func()) {
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestRotationRestartOutage: lines written in a flood with rotations
// arrive exactly once, across a graceful restart of the shipper and a
// collector outage.
func TestRotationRestartOutage(t *testing.T) {
	c, url := newCollector(t)
	dir := t.TempDir()
	o := Options{Inputs: []string{dir}, Zipkin: url, StatePath: filepath.Join(t.TempDir(), "state.json"), Batch: 200, Poll: 10 * time.Millisecond}

	stop := start(t, o)
	writer(t, dir, 0, 3000, 700) // a flood with four rotations while shipping
	waitFor(t, "the first 3000", func() bool { d, _ := c.count(); return d == 3000 })
	stop() // restart: positions saved

	writer(t, dir, 3000, 2000, 700) // written while no shipper runs
	stop = start(t, o)
	waitFor(t, "5000 after the restart", func() bool { d, _ := c.count(); return d == 5000 })

	c.down.Store(true) // outage
	writer(t, dir, 5000, 2000, 700)
	time.Sleep(200 * time.Millisecond)
	if d, _ := c.count(); d != 5000 {
		t.Fatalf("%d received while down", d)
	}
	c.down.Store(false)
	waitFor(t, "7000 after the outage", func() bool { d, _ := c.count(); return d == 7000 })
	stop()
	if d, total := c.count(); d != 7000 || total != 7000 {
		t.Fatalf("%d distinct spans, %d received: lost or duplicated", d, total)
	}
}

func TestZipkinIDs(t *testing.T) {
	c, url := newCollector(t)
	dir := t.TempDir()
	line := `{"timestamp":"2026-11-24 10:00:00.100","tracerId":"0a0fe9271567477985327100211176","spanId":"0.1","span.kind":"server","service":"S","method":"m","local.app":"svc","remote.app":"web","result.code":"02","biz.impl.time":"40","baggage":"user=u%3D1&"}` + "\r\n"
	if err := os.WriteFile(filepath.Join(dir, "rpc-server-digest.log"), []byte(line+"garbage\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Inputs: []string{dir}, Zipkin: url, StatePath: filepath.Join(dir, "st")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.S.Sent.Load() != 1 || s.S.Corrupt.Load() != 1 {
		t.Fatalf("sent %d corrupt %d", s.S.Sent.Load(), s.S.Corrupt.Load())
	}
	got := c.last
	tags := got["tags"].(map[string]any)
	want := map[string]any{
		"traceId": "000a0fe9271567477985327100211176", "id": "4e18dd181d0a2066", "parentId": "af63ad4c86019caf",
		"kind": "SERVER", "shared": true, "name": "S/m", "timestamp": float64(tsMicros(t, "2026-11-24 10:00:00.060")),
		"duration": float64(40000),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if tags["error"] != "true" || tags["user"] != "u=1" || tags["origin.span.id"] != "0.1" || got["remoteEndpoint"].(map[string]any)["serviceName"] != "web" {
		t.Errorf("tags %v", got)
	}
}

func tsMicros(t *testing.T, s string) int64 {
	tm, err := time.ParseInLocation("2006-01-02 15:04:05.000", s, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMicro()
}

// TestStopDuringRequest: a stop while the collector is storing a batch
// (it has the spans, its answer is late) waits for the answer and saves
// the position, so the restarted shipper does not send the batch again.
func TestStopDuringRequest(t *testing.T) {
	c, url := newCollector(t)
	stored := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fwd, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(fwd)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		select {
		case stored <- struct{}{}:
		default:
		}
		time.Sleep(300 * time.Millisecond) // the answer is late
		w.WriteHeader(resp.StatusCode)
	}))
	t.Cleanup(slow.Close)
	dir := t.TempDir()
	o := Options{Inputs: []string{dir}, Zipkin: slow.URL, StatePath: filepath.Join(t.TempDir(), "state.json"), Batch: 100, Poll: 10 * time.Millisecond}
	writer(t, dir, 0, 100, 1000)
	stop := start(t, o)
	<-stored
	stop() // while the collector's answer is on its way
	writer(t, dir, 100, 100, 1000)
	stop = start(t, o)
	waitFor(t, "200 spans", func() bool { d, _ := c.count(); return d == 200 })
	stop()
	if d, total := c.count(); d != 200 || total != 200 {
		t.Fatalf("%d distinct spans, %d received: the batch in flight at the stop was sent again", d, total)
	}
}

// TestFastRotation: files renamed while a pass lists and opens them (a
// rotation every few lines, polled without pause) are neither forgotten
// and read again from their start, nor read at another file's offset.
func TestFastRotation(t *testing.T) {
	c, url := newCollector(t)
	dir := t.TempDir()
	o := Options{Inputs: []string{dir}, Zipkin: url, StatePath: filepath.Join(t.TempDir(), "state.json"), Batch: 50, Poll: time.Millisecond}
	stop := start(t, o)
	const n, rotate = 4000, 20
	p := filepath.Join(dir, "biz-digest.log")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if i > 0 && i%rotate == 0 {
			f.Close()
			r := i / rotate
			if err := os.Rename(p, fmt.Sprintf("%s.2026-11-%02d_%02d", p, 1+r/24, r%24)); err != nil {
				t.Fatal(err)
			}
			if f, err = os.Create(p); err != nil {
				t.Fatal(err)
			}
		}
		f.WriteString(digestLine(i))
		time.Sleep(20 * time.Microsecond) // passes see files half written
	}
	f.Close()
	waitFor(t, "every span", func() bool { d, _ := c.count(); return d == n })
	stop()
	if d, total := c.count(); d != n || total != n {
		t.Fatalf("%d distinct spans, %d received: lost or duplicated", d, total)
	}
}
