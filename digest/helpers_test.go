package digest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
	"github.com/sofatracer/sofatracer-go/tracer"
)

// knownBug fails the test for a bug that was found and fixed in a
// non-test file; id names the fix so a regression is easy to trace.
func knownBug(t testing.TB, id, format string, args ...any) {
	t.Helper()
	t.Fatalf("regression of fixed bug %s: %s", id, fmt.Sprintf(format, args...))
}

// newTracer returns a real tracer writing under a temporary directory,
// closed when the test ends.
func newTracer(t testing.TB) *tracer.Tracer {
	t.Helper()
	tr, err := tracer.New(tracer.WithAppName("t"), tracer.WithLogDir(t.TempDir()), tracer.WithStatInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Error(err)
		}
	})
	return tr
}

// startTime is the start of the spans of the layout tests; they end 5006 ms
// later, at 2019-09-03 10:33:10.336 local time, as the spec's example line.
var startTime = time.Date(2019, 9, 3, 10, 33, 5, 330_000_000, time.Local)

const wantTime = "2019-09-03 10:33:10.336"

// buildSpan starts a span with the tags in order, finished 5006 ms after
// startTime.
func buildSpan(t testing.TB, tr *tracer.Tracer, op string, tags ...span.Tag) *span.Span {
	t.Helper()
	s := tr.StartSpan(op, opentracing.StartTime(startTime)).(*span.Span)
	for _, tg := range tags {
		s.SetTag(tg.Key, tg.Value)
	}
	s.FinishWithOptions(opentracing.FinishOptions{FinishTime: startTime.Add(5006 * time.Millisecond)})
	return s
}

// jsonObject parses one JSON object and returns its keys in order with
// their raw values. Duplicate keys are an error.
func jsonObject(line []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("not an object: starts with %v", tok)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("value of %q: %w", k, err)
		}
		if _, dup := vals[k]; dup {
			return nil, nil, fmt.Errorf("duplicate key %q", k)
		}
		keys = append(keys, k)
		vals[k] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("data after the object")
	}
	return keys, vals, nil
}

func rawString(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("value %s is not a JSON string: %v", raw, err)
	}
	return s
}
