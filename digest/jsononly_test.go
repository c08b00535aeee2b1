package digest_test

import (
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

func TestJSONOnlyFieldLeftOutOfPlainLines(t *testing.T) {
	l := &digest.Layout{
		Name: "jsononly-test",
		Fields: []digest.Field{
			{Name: "topic", Source: digest.FromTag, Tags: []string{"topic"}},
			{Name: "error", Source: digest.FromError, JSONOnly: true},
		},
		Result:  func(*span.Span) string { return "00" },
		Success: func(string, bool) bool { return true },
	}
	s := buildSpan(t, newTracer(t), "op", span.Tag{Key: "topic", Value: "orders"},
		span.Tag{Key: span.TagErrorMessage, Value: "boom"})
	js := string((&digest.Encoder{App: "a", JSON: true, Newline: "\n"}).AppendDigest(nil, s, l))
	if !strings.Contains(js, `"topic":"orders","error":"boom","sys.baggage"`) {
		t.Errorf("JSON line lacks the JSON-only field: %s", js)
	}
	plain := string((&digest.Encoder{App: "a", Newline: "\n"}).AppendDigest(nil, s, l))
	if strings.Contains(plain, "boom") || !strings.HasSuffix(plain, ",orders,,\n") {
		t.Errorf("plain line: %q, want no error column", plain)
	}
}
