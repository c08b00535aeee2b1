package zipkin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// sink is a collector that keeps the decoded spans.
type sink struct {
	*httptest.Server
	mu    sync.Mutex
	spans []map[string]any
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body) // net/http does not decompress requests: use plain bodies here
		var spans []map[string]any
		if err := json.Unmarshal(b, &spans); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		s.mu.Lock()
		s.spans = append(s.spans, spans...)
		s.mu.Unlock()
		w.WriteHeader(202)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) n() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.spans)
}

func TestTracerWithZipkin(t *testing.T) {
	s := newSink(t)
	tr, err := tracer.New(tracer.WithAppName("Orders"), tracer.WithLogDir(t.TempDir()),
		tracer.WithZipkin(s.URL+"/", false, zipkin.WithBatchInterval(10*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	root := tr.StartSpan("root")
	child := tr.StartSpan("child", opentracingChildOf(root))
	child.SetTag("span.kind", "client")
	child.Finish()
	root.Finish()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if s.n() != 2 {
		t.Fatalf("%d spans at the collector, want 2", s.n())
	}
	for _, sp := range s.spans {
		if sp["localEndpoint"].(map[string]any)["serviceName"] != "orders" {
			t.Errorf("span %v", sp)
		}
	}
	if st := tr.Reporter().Stats(); st.Reported != 2 {
		t.Errorf("the log files got %d spans, want 2 as well", st.Reported)
	}
	zs, ok := tr.ZipkinStats()
	if !ok || zs.Sent != 2 {
		t.Errorf("ZipkinStats %v %s", ok, zs)
	}
	b, _ := os.ReadFile(filepath.Join(tr.LogDir(), "tracer-self.log"))
	if !contains(string(b), "zipkin reporter started: "+s.URL+"/api/v2/spans") || !contains(string(b), "zipkin reporter closed") {
		t.Errorf("tracer-self.log:\n%s", b)
	}
}

func TestWithZipkinLastWins(t *testing.T) {
	a, b := newSink(t), newSink(t)
	tr, err := tracer.New(tracer.WithAppName("x"), tracer.WithLogDir(t.TempDir()),
		tracer.WithZipkin(a.URL, false), tracer.WithZipkin(b.URL, false))
	if err != nil {
		t.Fatal(err)
	}
	tr.StartSpan("op").Finish()
	tr.Close()
	if a.n() != 0 || b.n() != 1 {
		t.Errorf("first collector got %d, second %d; want 0 and 1", a.n(), b.n())
	}
}

func TestZipkinEnv(t *testing.T) {
	s := newSink(t)
	t.Setenv("SOFA_TRACER_APP_NAME", "envapp")
	t.Setenv("SOFA_TRACER_LOG_DIR", t.TempDir())
	t.Setenv("SOFA_TRACER_ZIPKIN_ENABLED", "true")
	t.Setenv("SOFA_TRACER_ZIPKIN_BASE_URL", s.URL)
	t.Setenv("SOFA_TRACER_ZIPKIN_GZIPPED", "false")
	tr, err := tracer.New()
	if err != nil {
		t.Fatal(err)
	}
	tr.StartSpan("op").Finish()
	tr.Close()
	if zs, ok := tr.ZipkinStats(); !ok || zs.Sent != 1 || s.n() != 1 {
		t.Errorf("env-enabled reporter: %v %s, collector got %d", ok, zs, s.n())
	}

	t.Setenv("SOFA_TRACER_ZIPKIN_ENABLED", "false")
	tr, err = tracer.New()
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if _, ok := tr.ZipkinStats(); ok {
		t.Error("SOFA_TRACER_ZIPKIN_ENABLED=false still reports to Zipkin")
	}

	for k, v := range map[string]string{"SOFA_TRACER_ZIPKIN_ENABLED": "maybe", "SOFA_TRACER_ZIPKIN_BASE_URL": "localhost:9411", "SOFA_TRACER_ZIPKIN_GZIPPED": "zip"} {
		t.Setenv("SOFA_TRACER_ZIPKIN_ENABLED", "true")
		t.Setenv("SOFA_TRACER_ZIPKIN_BASE_URL", s.URL)
		t.Setenv("SOFA_TRACER_ZIPKIN_GZIPPED", "true")
		t.Setenv(k, v)
		if tr, err := tracer.New(); err == nil {
			tr.Close()
			t.Errorf("%s=%q accepted", k, v)
		}
	}
}

// A New that fails after WithZipkin leaves no goroutine (TestMain checks).
func TestNewFailsWithoutLeak(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := tracer.New(tracer.WithAppName("x"), tracer.WithLogDir(filepath.Join(file, "sub")), tracer.WithZipkin("http://127.0.0.1:9/", true)); err == nil {
		t.Fatal("New with an unusable log dir succeeded")
	}
	if _, err := tracer.New(tracer.WithAppName("x"), tracer.WithZipkin("127.0.0.1:9", true)); err == nil {
		t.Fatal("bad base URL accepted")
	}
}
