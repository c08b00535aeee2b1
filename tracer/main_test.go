package tracer_test

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sofatracer/sofatracer-go/tracer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newTracer starts a tracer writing under a fresh temporary directory.
func newTracer(t testing.TB, opts ...tracer.Option) *tracer.Tracer {
	t.Helper()
	base := []tracer.Option{
		tracer.WithAppName("test-app"),
		tracer.WithLogDir(t.TempDir()),
		tracer.WithStatInterval(time.Hour),
	}
	tr, err := tracer.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// readLines returns the lines of a file, without their line endings.
func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func logPath(tr *tracer.Tracer, name string) string { return filepath.Join(tr.LogDir(), name) }

func readFileErr(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	s, err := readFileErr(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
