package zipkin_test

import (
	"strings"

	"github.com/opentracing/opentracing-go"
)

func opentracingChildOf(s opentracing.Span) opentracing.StartSpanOption {
	return opentracing.ChildOf(s.Context())
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
