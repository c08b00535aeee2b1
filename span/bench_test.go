package span

import (
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
)

func BenchmarkAppendTraceID(b *testing.B) {
	var buf [64]byte
	ms := time.Now().UnixMilli()
	b.ReportAllocs()
	for b.Loop() {
		appendTraceIDMilli(buf[:0], ms)
	}
}

func BenchmarkClockNow(b *testing.B) {
	var c clock
	c.init(nil)
	for b.Loop() {
		c.now()
	}
}

func BenchmarkClockMono(b *testing.B) {
	var c clock
	c.init(nil)
	for b.Loop() {
		c.mono()
	}
}

func BenchmarkTimeNow(b *testing.B) {
	for b.Loop() {
		time.Now()
	}
}

type nopOwner struct{ opentracing.NoopTracer }

func (nopOwner) Report(*Span)  {}
func (nopOwner) Refuse(string) {}

// BenchmarkSpanLifecycle is a root span's own cost, without a tracer's
// hand-off: start, TraceId, three tags, finish.
func BenchmarkSpanLifecycle(b *testing.B) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{MaxTags: 64, MaxTagValueLen: 1024}, nil)
	b.ReportAllocs()
	for b.Loop() {
		s := r.Start("op", time.Time{})
		s.Ctx.Init(s.NewTraceID(s.startWall), "0", "", true)
		s.SetTag("a", "1")
		s.SetTag("b", "2")
		s.SetTag("c", "3")
		s.Finish()
	}
}

// BenchmarkTagLookupShared is a digest writer's lookups (present and
// absent keys) in a span that shares a block of 8 tags and has 2 own.
func BenchmarkTagLookupShared(b *testing.B) {
	r := NewRecorder(nopOwner{}, nopOwner{}, Limits{}, nil)
	block := NewTagBlock(Tag{TagComponent, "grpc"}, Tag{TagSpanKind, KindClient}, Tag{TagProtocol, "grpc"},
		Tag{TagService, "grpc.health.v1.Health"}, Tag{TagMethod, "Check"}, Tag{TagInvokeType, "sync"},
		Tag{TagThreadName, "grpc-client"}, Tag{TagResultCode, "00"})
	s := r.Start("op", time.Time{})
	s.SetTagBlock(block, Tag{TagReqSize, int64(2)}, Tag{TagRespSize, int64(14)})
	keys := []string{TagRemoteIP, TagPeerIPv4, TagPeerHostname, TagPeerPort, TagLocalIP, TagLocalPort, TagReqSize,
		TagRespSize, TagErrorMessage, TagError, TagRemoteApp, TagRouterRecord, TagBizImplTime, TagElapseTime,
		TagRemoteZone, TagService, TagMethod, TagProtocol, TagInvokeType, TagThreadName, TagResultCode, TagSpanKind, TagComponent}
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range keys {
			s.Tag(k)
		}
	}
}
