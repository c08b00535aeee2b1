package reporter_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/reporter"
	"github.com/sofatracer/sofatracer-go/reporter/logfile"
	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// finishedSpans makes n finished spans with a tracer whose own reporter is
// not under test.
func finishedSpans(t *testing.T, n int) []*span.Span {
	tr, err := tracer.New(tracer.WithAppName("maker"), tracer.WithLogDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	out := make([]*span.Span, n)
	for i := range out {
		s := tr.StartSpan("op", opentracing.Tag{Key: "component", Value: "net/http"}, opentracing.Tag{Key: "span.kind", Value: "server"})
		s.Finish()
		out[i] = s.(*span.Span)
	}
	return out
}

func TestDiskWritesEverythingReportedBeforeClose(t *testing.T) {
	dir := t.TempDir()
	self, err := reporter.OpenSelfLog(logfile.Config{Dir: dir, Name: "tracer-self.log"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := reporter.NewDisk(reporter.Config{Dir: dir, App: "disk", JSON: true, StatInterval: time.Hour, SelfLog: self})
	if err != nil {
		t.Fatal(err)
	}
	spans := finishedSpans(t, 100)
	for _, s := range spans {
		d.Report(s)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Report(spans[0]) // after Close: counted, not written
	self.Close()
	st := d.Stats()
	if st.Reported != 101 || st.Written != 100 || st.DroppedClosed != 1 || st.StatRows != 1 {
		t.Fatalf("%+v", st)
	}
	data, err := os.ReadFile(d.DigestPath(digest.HTTPServer, false))
	if err != nil || strings.Count(string(data), "\r\n") != 100 {
		t.Fatalf("digest file: %v, %d lines", err, strings.Count(string(data), "\r\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "http-server-stat.log")); err != nil {
		t.Fatal(err)
	}
}

func TestDiskNeedsADirectory(t *testing.T) {
	if _, err := reporter.NewDisk(reporter.Config{}); err == nil {
		t.Fatal("a reporter without a directory was made")
	}
}
