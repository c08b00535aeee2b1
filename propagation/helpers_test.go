package propagation_test

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/propagation"
	"github.com/sofatracer/sofatracer-go/span"
)

// knownBug fails the test for a bug that was found and fixed in a
// non-test file; id names the fix so a regression is easy to trace.
func knownBug(t testing.TB, id, format string, args ...any) {
	t.Helper()
	t.Fatalf("regression of fixed bug %s: %s", id, fmt.Sprintf(format, args...))
}

const (
	sofaTrace = "0a0fe9271567477985327100211176"
	b3Trace   = "463ac35c9f6413ad48485a3953bb6124"
	b3Span    = "a2fb4a1d1a96d312"
	b3Parent  = "0020000000000001"
	w3cTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	w3cSpan   = "00f067aa0ba902b7"
)

// newCtx builds a context with baggage (no size limit).
func newCtx(traceID, spanID, parentID string, sampled bool, biz, sys map[string]string) *span.Context {
	sc := span.NewContext(traceID, spanID, parentID, sampled)
	b := &span.Baggage{}
	for k, v := range biz {
		b = b.WithBiz(k, v, 0)
	}
	for k, v := range sys {
		b = b.WithSys(k, v, 0)
	}
	if !b.Empty() {
		sc.SetBaggage(b)
	}
	return sc
}

// diffCtx describes how got differs from want ("" when equal).
func diffCtx(got, want *span.Context) string {
	if got == nil || want == nil {
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	var d string
	if got.TraceID != want.TraceID {
		d += fmt.Sprintf(" TraceID %q != %q;", got.TraceID, want.TraceID)
	}
	if got.SpanID != want.SpanID {
		d += fmt.Sprintf(" SpanID %q != %q;", got.SpanID, want.SpanID)
	}
	if got.ParentID != want.ParentID {
		d += fmt.Sprintf(" ParentID %q != %q;", got.ParentID, want.ParentID)
	}
	if got.Sampled() != want.Sampled() {
		d += fmt.Sprintf(" Sampled %v != %v;", got.Sampled(), want.Sampled())
	}
	if got.Format != want.Format {
		d += fmt.Sprintf(" Format %d != %d;", got.Format, want.Format)
	}
	gb, wb := got.Baggage(), want.Baggage()
	if !maps.Equal(gb.Biz, wb.Biz) {
		d += fmt.Sprintf(" Biz %q != %q;", gb.Biz, wb.Biz)
	}
	if !maps.Equal(gb.Sys, wb.Sys) {
		d += fmt.Sprintf(" Sys %q != %q;", gb.Sys, wb.Sys)
	}
	return d
}

func isCorrupt(err error) bool {
	var ce *propagation.CorruptError
	return errors.Is(err, opentracing.ErrSpanContextCorrupted) && errors.As(err, &ce) && ce.Reason != ""
}
