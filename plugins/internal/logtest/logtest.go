// Package logtest reads the digest and stat logs of a tracer in the
// plugins' tests: every line must be one JSON object.
package logtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// Line is one parsed log line.
type Line map[string]any

// S returns field k as text ("" when absent); numbers print as integers.
func (l Line) S(k string) string {
	switch v := l[k].(type) {
	case string:
		return v
	case float64:
		b, _ := json.Marshal(v)
		return string(b)
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// NewTracer starts a tracer for app that writes under a fresh temporary
// directory and prints stat lines only when closed. The test closes it
// before reading; Cleanup closes it again harmlessly.
func NewTracer(t testing.TB, app string, opts ...tracer.Option) *tracer.Tracer {
	t.Helper()
	base := []tracer.Option{tracer.WithAppName(app), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour)}
	tr, err := tracer.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// WaitFinished waits until n finished spans of tr have reached its
// writer (written, or counted as unsampled or dropped), so that spans
// finished on server goroutines after the client got its answer are in
// before the test closes the tracer.
func WaitFinished(t testing.TB, tr *tracer.Tracer, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := tr.Stats().Reporter
		if got := r.Written + r.Unsampled + r.Dropped; got >= n {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%d spans reached the writer, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Read returns the lines of the file at path, each parsed as a JSON
// object; a missing file has no lines. A line that is not one JSON object
// fails the test.
func Read(t testing.TB, path string) []Line {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []Line
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		raw := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		var l Line
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&l); err != nil || dec.More() {
			t.Fatalf("%s: line is not one JSON object (%v): %q", path, err, raw)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Digest returns the digest lines tr wrote in layout l.
func Digest(t testing.TB, tr *tracer.Tracer, l *digest.Layout) []Line {
	t.Helper()
	return Read(t, tr.Reporter().DigestPath(l, false))
}

// Stat returns the stat lines tr wrote for layout l.
func Stat(t testing.TB, tr *tracer.Tracer, l *digest.Layout) []Line {
	t.Helper()
	return Read(t, tr.Reporter().StatPath(l, false))
}

// Count sums the count column of stat lines that match every key=value
// of where in stat.key (or at the top level for "success").
func Count(rows []Line, where map[string]string) int {
	n := 0
rows:
	for _, r := range rows {
		key, _ := r["stat.key"].(map[string]any)
		for k, v := range where {
			got, ok := key[k].(string)
			if !ok {
				got = r.S(k)
			}
			if got != v {
				continue rows
			}
		}
		c, _ := r["count"].(float64)
		n += int(c)
	}
	return n
}

// Expect fails the test for every field of l that differs from want.
func Expect(t testing.TB, what string, l Line, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := l.S(k); got != v {
			t.Errorf("%s: %s = %q, want %q (line %v)", what, k, got, v, l)
		}
	}
}

// One returns the only line of lines, failing the test when there is not
// exactly one.
func One(t testing.TB, what string, lines []Line) Line {
	t.Helper()
	if len(lines) != 1 {
		t.Fatalf("%s: %d lines, want 1: %v", what, len(lines), lines)
	}
	return lines[0]
}
