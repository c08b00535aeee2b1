package digest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sofatracer/sofatracer-go/span"
)

// Style is the line family of a layout.
type Style int

const (
	// Common is SOFATracer 3.x: time, local.app, traceId, spanId,
	// span.kind, result.code, current.thread.name, time.cost.milliseconds,
	// the component fields, sys.baggage, biz.baggage.
	Common Style = iota
	// RPC is SOFARPC's: timestamp, tracerId, spanId, the component fields,
	// baggage (business only). Absent optional fields are left out of JSON
	// lines, as SOFARPC's encoder does.
	RPC
)

// Source says where a field's value comes from.
type Source int

const (
	FromTag       Source = iota // the first present tag of Tags
	FromResult                  // the layout's result code
	FromCostMs                  // duration in ms, as a bare number
	FromApp                     // the tracer's app name
	FromThread                  // the current.thread.name tag, else "goroutine"
	FromError                   // error.message, else "true" when error=true
	FromOperation               // the operation name
	FromSpanKind                // span.kind
	// FromHTTPRoute is the http.route tag, else the path of the http.url
	// tag (without scheme, host or query): a server's stat key.
	FromHTTPRoute
	// FromHTTPMethod is the http.method tag, with methods other than
	// RFC 9110's and PATCH as "_OTHER": for a server's stat key, so that a
	// client cannot mint rows with made-up methods.
	FromHTTPMethod
)

// Field is one slot of a layout.
type Field struct {
	Name     string   // key in JSON lines
	Source   Source   // where the value comes from
	Tags     []string // tag keys for FromTag, first present wins
	Num      bool     // written as a JSON number (Default must be numeric)
	Default  string   // value when absent
	Optional bool     // RPC style: omitted from JSON when absent
	// JSONOnly fields are left out of plain lines, where Java's layout has
	// no column for them (the Kafka send digest's error).
	JSONOnly bool
}

// Layout describes one kind of digest line and its stat companion. A
// Layout of another package takes effect through Register, which also
// indexes it; an unregistered one has no file names and does not rename
// tags that clash with its keys.
type Layout struct {
	Name   string // e.g. "http-server"; files are Name-digest.log and Name-stat.log
	Style  Style
	Fields []Field // component fields (between the common prefix and baggage)
	// AppendTags writes every tag not used by a field after the fields
	// (the flexible biz layout).
	AppendTags bool
	StatKey    []Field
	// StatLoadTest adds "load.test" to JSON stat lines (SOFARPC's have none).
	StatLoadTest bool
	// Result derives result.code when no result.code tag is set.
	Result func(s *span.Span) string
	// Success decides the stat "success" column from the result code and
	// the error tag.
	Success func(code string, failed bool) bool

	keys                 map[string]keyUse // for AppendTags: what each known key is
	digestFile, statFile string
}

// DigestFile is the layout's digest log file name.
func (l *Layout) DigestFile() string { return l.digestFile }

// StatFile is the stat log's file name.
func (l *Layout) StatFile() string { return l.statFile }

func tagField(name string, num bool, def string, tags ...string) Field {
	return Field{Name: name, Source: FromTag, Tags: tags, Num: num, Default: def}
}

func opt(f Field) Field { f.Optional = true; return f }

// Built-in layouts.
var (
	// HTTPServer is the spring-mvc 3.x layout, for net/http servers.
	HTTPServer = &Layout{
		Name: "http-server",
		Fields: []Field{
			tagField("request.url", false, "", span.TagHTTPURL),
			tagField("method", false, "", span.TagHTTPMethod),
			tagField("req.size.bytes", true, "-1", span.TagReqSize),
			tagField("resp.size.bytes", true, "-1", span.TagRespSize),
			{Name: "error", Source: FromError},
		},
		StatKey:      httpServerStatKey,
		StatLoadTest: true,
		Result:       httpResult,
		Success:      httpSuccess,
	}
	// HTTPClient is the httpclient 3.x layout, with error added last.
	HTTPClient = &Layout{
		Name: "http-client",
		Fields: []Field{
			tagField("request.url", false, "", span.TagHTTPURL),
			tagField("method", false, "", span.TagHTTPMethod),
			tagField("req.size.bytes", true, "-1", span.TagReqSize),
			tagField("resp.size.bytes", true, "-1", span.TagRespSize),
			tagField("remote.app", false, "", span.TagRemoteApp, span.TagPeerService),
			{Name: "error", Source: FromError},
		},
		StatKey:      httpStatKey,
		StatLoadTest: true,
		Result:       httpResult,
		Success:      func(code string, failed bool) bool { return !failed && (code == "00" || httpSuccess(code, false)) },
	}
	// RPCClient is SOFARPC's rpc-client-digest.log layout.
	RPCClient = &Layout{
		Name:  "rpc-client",
		Style: RPC,
		Fields: []Field{
			{Name: "span.kind", Source: FromSpanKind},
			{Name: "local.app", Source: FromApp},
			opt(tagField("protocol", false, "", span.TagProtocol, span.TagComponent)),
			opt(tagField("service", false, "", span.TagService)),
			opt(tagField("method", false, "", span.TagMethod)),
			{Name: "current.thread.name", Source: FromThread},
			opt(tagField("invoke.type", false, "", span.TagInvokeType)),
			opt(tagField("router.record", false, "", span.TagRouterRecord)),
			opt(tagField("remote.app", false, "", span.TagRemoteApp, span.TagPeerService)),
			opt(tagField("remote.ip", false, "", span.TagRemoteIP)),
			opt(tagField("local.client.ip", false, "", span.TagLocalIP)),
			{Name: "result.code", Source: FromResult},
			opt(tagField("resp.size", false, "", span.TagRespSize)),
			opt(tagField("req.size", false, "", span.TagReqSize)),
			{Name: "client.elapse.time", Source: FromCostMs},
			opt(tagField("local.client.port", false, "", span.TagLocalPort)),
			opt(tagField("rpc.messages.sent", false, "", span.TagRPCMessagesSent)),
			opt(tagField("rpc.messages.received", false, "", span.TagRPCMessagesReceived)),
			opt(Field{Name: "error", Source: FromError}),
		},
		StatKey: []Field{
			{Name: "local.app", Source: FromApp},
			tagField("service", false, "", span.TagService),
			tagField("method", false, "", span.TagMethod),
		},
		Result:  rpcResult,
		Success: rpcSuccess,
	}
	// RPCServer is SOFARPC's rpc-server-digest.log layout.
	RPCServer = &Layout{
		Name:  "rpc-server",
		Style: RPC,
		Fields: []Field{
			{Name: "span.kind", Source: FromSpanKind},
			opt(tagField("service", false, "", span.TagService)),
			opt(tagField("method", false, "", span.TagMethod)),
			opt(tagField("remote.ip", false, "", span.TagRemoteIP)),
			opt(tagField("remote.app", false, "", span.TagRemoteApp, span.TagPeerService)),
			opt(tagField("protocol", false, "", span.TagProtocol, span.TagComponent)),
			{Name: "local.app", Source: FromApp},
			{Name: "current.thread.name", Source: FromThread},
			{Name: "result.code", Source: FromResult},
			{Name: "biz.impl.time", Source: FromCostMs},
			opt(tagField("resp.size", false, "", span.TagRespSize)),
			opt(tagField("req.size", false, "", span.TagReqSize)),
			opt(tagField("rpc.messages.sent", false, "", span.TagRPCMessagesSent)),
			opt(tagField("rpc.messages.received", false, "", span.TagRPCMessagesReceived)),
			opt(Field{Name: "error", Source: FromError}),
		},
		StatKey: []Field{
			{Name: "local.app", Source: FromApp},
			tagField("service", false, "", span.TagService),
			tagField("method", false, "", span.TagMethod),
			tagField("remote.app", false, "", span.TagRemoteApp, span.TagPeerService),
		},
		Result:  rpcResult,
		Success: rpcSuccess,
	}
	// Biz is the flexible layout (biz-digest.log) for spans of no plugin:
	// the operation name as method, then every other tag.
	Biz = &Layout{
		Name:       "biz",
		Fields:     []Field{{Name: "method", Source: FromOperation}},
		AppendTags: true,
		StatKey: []Field{
			{Name: "local.app", Source: FromApp},
			{Name: "method", Source: FromOperation},
		},
		StatLoadTest: true,
		Result:       func(*span.Span) string { return "" },
		Success:      func(code string, failed bool) bool { return !failed },
	}
)

var httpStatKey = []Field{
	{Name: "local.app", Source: FromApp},
	tagField("request.url", false, "", span.TagHTTPURL),
	tagField("method", false, "", span.TagHTTPMethod),
}

// httpServerStatKey keys server rows by the route when there is one, so
// that /orders/1 and /orders/2 (or another Host header) share a row; the
// digest line keeps the URL.
var httpServerStatKey = []Field{
	{Name: "local.app", Source: FromApp},
	{Name: "request.url", Source: FromHTTPRoute},
	{Name: "method", Source: FromHTTPMethod},
}

func httpResult(s *span.Span) string {
	v := s.Tag(span.TagHTTPStatusCode)
	if n, ok := span.TagInt(v); ok && n >= 100 && n < 600 {
		return statusTexts[n-100]
	}
	return span.TagText(v)
}

// statusTexts are the texts of status codes 100 to 599, made once instead
// of for every span.
var statusTexts = func() (t [500]string) {
	for i := range t {
		t[i] = strconv.Itoa(100 + i)
	}
	return t
}()

// httpSuccess is SOFATracer's HTTP rule: 1xx, 2xx, 301 and 302 succeed.
func httpSuccess(code string, failed bool) bool {
	if failed || code == "" {
		return false
	}
	return code[0] == '1' || code[0] == '2' || code == "301" || code == "302"
}

func rpcResult(s *span.Span) string {
	if failed(s) {
		return "02"
	}
	return "00"
}

// rpcSuccess is SOFARPC's rule: "00", "0" or blank succeed.
func rpcSuccess(code string, _ bool) bool { return code == "00" || code == "0" || code == "" }

func failed(s *span.Span) bool {
	switch v := s.Tag(span.TagError).(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// registry maps registered components and kinds to their layouts. It is
// replaced, never modified, so that Classify reads it without a lock.
var (
	registryMu sync.Mutex // serializes Register
	registry   atomic.Pointer[map[registryKey]*Layout]
)

type registryKey struct{ component, kind string }

// Register makes spans whose component tag is one of components and whose
// span.kind is kind use l. Plugins of other components call it from init.
// A layout may be registered for several components, by several packages.
func Register(l *Layout, kind string, components ...string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if l.keys == nil {
		l.index()
	}
	m := map[registryKey]*Layout{}
	if old := registry.Load(); old != nil {
		maps.Copy(m, *old)
	}
	for _, c := range components {
		m[registryKey{strings.ToLower(c), kind}] = l
	}
	registry.Store(&m)
}

// LogFiles returns the digest and stat file names of the built-in layouts
// and of every registered one, sorted, without duplicates.
func LogFiles() []string {
	var names []string
	for _, l := range builtin {
		names = append(names, l.digestFile, l.statFile)
	}
	if m := registry.Load(); m != nil {
		for _, l := range *m {
			names = append(names, l.digestFile, l.statFile)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

var (
	rpcComponents  = map[string]bool{"grpc": true, "bolt": true, "sofarpc": true, "dubbo": true, "triple": true, "tri": true}
	httpComponents = map[string]bool{"net/http": true, "http": true, "nethttp": true}
)

// Classify returns the layout a finished span is written with: a
// registered layout for its component and kind, else the RPC layouts for
// RPC components (or a protocol tag), the HTTP layouts for HTTP components
// (or an http.method tag), and the biz layout for everything else.
func Classify(s *span.Span) *Layout {
	kind, _ := s.Tag(span.TagSpanKind).(string)
	comp, _ := s.Tag(span.TagComponent).(string)
	comp = strings.ToLower(comp)
	if m := registry.Load(); m != nil && comp != "" {
		if l := (*m)[registryKey{comp, kind}]; l != nil {
			return l
		}
	}
	server := kind == span.KindServer || kind == span.KindConsumer
	switch {
	case (comp != "" && rpcComponents[comp]) || (comp == "" && s.Tag(span.TagProtocol) != nil):
		if server {
			return RPCServer
		}
		return RPCClient
	case (comp != "" && httpComponents[comp]) || s.Tag(span.TagHTTPMethod) != nil:
		if server {
			return HTTPServer
		}
		return HTTPClient
	}
	return Biz
}

var builtin = []*Layout{HTTPServer, HTTPClient, RPCClient, RPCServer, Biz}

func init() {
	for _, l := range builtin {
		l.index()
	}
	DataSourceClient.index()
	Redis.index()
}

// keyUse says why extraTags must treat a tag key specially.
type keyUse uint8

const (
	keyConsumed keyUse = 1 << iota // a field writes this tag
	keyTaken                       // a fixed key or field name: the tag is renamed
)

// index records which tags the fields consume and which keys are taken.
func (l *Layout) index() {
	l.digestFile, l.statFile = l.Name+"-digest.log", l.Name+"-stat.log"
	l.keys = map[string]keyUse{}
	for _, k := range []string{span.TagComponent, span.TagSpanKind, span.TagResultCode,
		span.TagThreadName, span.TagError, span.TagErrorMessage} {
		l.keys[k] |= keyConsumed
	}
	for k := range fixedKeys {
		l.keys[k] |= keyTaken
	}
	for _, f := range l.Fields {
		l.keys[f.Name] |= keyTaken
		for _, t := range f.Tags {
			l.keys[t] |= keyConsumed
		}
	}
}
