package sofaotel

import (
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/span"
)

// sem holds the semantic-convention attributes a span's digest line
// needs, under their current names; older names fill the same slots.
type sem struct {
	method, methodOrig, urlFull, scheme, host, path, query, target string
	serverAddr, clientAddr, peerAddr, peerService, errorType       string
	serverPort, clientPort, peerPort                               attribute.Value
	status, reqSize, respSize                                      int64
	hasStatus, hasReqSize, hasRespSize                             bool

	rpcSystem, rpcService, rpcMethod, rpcMethodOrig, rpcCode string
	grpcCode                                                 int64
	hasGrpcCode                                              bool

	dbSystem, dbName, dbQuery, dbOperation, dbSummary, dbCollection string

	msgSystem, msgOp, msgDest, msgID string

	// Where some values came from (index+1 into the attributes, 0: none),
	// so that their tags reuse the attribute's boxed value.
	methodAt, urlAt, statusAt, reqAt, respAt int
}

// read fills s from attrs in one pass; a later attribute wins.
func (s *sem) read(attrs []attribute.KeyValue) {
	for i, a := range attrs {
		v := a.Value
		switch a.Key {
		case "http.request.method", "http.method":
			s.method, s.methodAt = v.Emit(), i+1
		case "http.request.method_original":
			s.methodOrig = v.Emit()
		case "url.full", "http.url":
			s.urlFull, s.urlAt = v.Emit(), i+1
		case "url.scheme", "http.scheme":
			s.scheme = v.Emit()
		case "url.path":
			s.path = v.Emit()
		case "url.query":
			s.query = v.Emit()
		case "http.target":
			s.target = v.Emit()
		case "http.host":
			s.host = v.Emit()
		case "server.address", "net.host.name", "net.peer.name":
			s.serverAddr = v.Emit()
		case "server.port", "net.host.port", "net.peer.port":
			s.serverPort = v
		case "client.address", "http.client_ip":
			s.clientAddr = v.Emit()
		case "client.port":
			s.clientPort = v
		case "network.peer.address", "net.sock.peer.addr":
			s.peerAddr = v.Emit()
		case "network.peer.port", "net.sock.peer.port":
			s.peerPort = v
		case "service.peer.name", "peer.service":
			s.peerService = v.Emit()
		case "error.type":
			s.errorType = v.Emit()
		case "http.response.status_code", "http.status_code":
			s.status, s.hasStatus = intOf(v)
			s.statusAt = i + 1
		case "http.request.body.size", "http.request_content_length":
			s.reqSize, s.hasReqSize = intOf(v)
			s.reqAt = i + 1
		case "http.response.body.size", "http.response_content_length":
			s.respSize, s.hasRespSize = intOf(v)
			s.respAt = i + 1
		case "rpc.system.name", "rpc.system":
			s.rpcSystem = v.Emit()
		case "rpc.service":
			s.rpcService = v.Emit()
		case "rpc.method":
			s.rpcMethod = v.Emit()
		case "rpc.method_original":
			s.rpcMethodOrig = v.Emit()
		case "rpc.response.status_code", "rpc.status_code":
			s.rpcCode = v.Emit()
		case "rpc.grpc.status_code":
			s.grpcCode, s.hasGrpcCode = intOf(v)
		case "db.system.name", "db.system":
			s.dbSystem = v.Emit()
		case "db.namespace", "db.name":
			s.dbName = v.Emit()
		case "db.query.text", "db.statement":
			s.dbQuery = v.Emit()
		case "db.operation.name", "db.operation":
			s.dbOperation = v.Emit()
		case "db.query.summary":
			s.dbSummary = v.Emit()
		case "db.collection.name", "db.sql.table":
			s.dbCollection = v.Emit()
		case "messaging.system":
			s.msgSystem = v.Emit()
		case "messaging.operation.type", "messaging.operation":
			s.msgOp = v.Emit()
		case "messaging.destination.name":
			s.msgDest = v.Emit()
		case "messaging.message.id":
			s.msgID = v.Emit()
		}
	}
}

func intOf(v attribute.Value) (int64, bool) {
	switch v.Type() {
	case attribute.INT64:
		return v.AsInt64(), true
	case attribute.STRING:
		n, err := strconv.ParseInt(v.AsString(), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// hostPort is host:port ([host]:port for IPv6), or host without a port.
func hostPort(host string, port attribute.Value) string {
	if host == "" || port.Type() == attribute.INVALID {
		return host
	}
	var buf [96]byte
	return string(appendHostPort(buf[:0], host, port))
}

func appendHostPort(b []byte, host string, port attribute.Value) []byte {
	if strings.IndexByte(host, ':') >= 0 {
		b = append(append(append(b, '['), host...), ']')
	} else {
		b = append(b, host...)
	}
	if port.Type() == attribute.INVALID {
		return b
	}
	b = append(b, ':')
	if port.Type() == attribute.INT64 {
		return strconv.AppendInt(b, port.AsInt64(), 10)
	}
	return append(b, port.Emit()...)
}

// semconvTags turns a span's attributes into its tags: each attribute
// under its own key, then the tags of the digest layout its semantic
// conventions call for (HTTP server or client, RPC client or server,
// database, messaging; none makes it a biz span).
// They are appended to dst.
func semconvTags(dst []span.Tag, kind trace.SpanKind, name string, attrs []attribute.KeyValue, st codes.Code, errText string, d time.Duration) []span.Tag {
	t := &tags{dst}
	for _, a := range attrs {
		t.add(string(a.Key), tagValue(a))
	}
	var s sem
	s.read(attrs)
	failed := st == codes.Error
	if failed && errText == "" {
		errText = s.errorType
	}
	switch {
	case s.rpcSystem != "":
		failed = s.rpc(kind, t, failed)
	case s.method != "":
		s.http(kind, t, failed, t.t[len(dst):len(dst)+len(attrs)])
	case s.dbSystem == "redis":
		failed = s.redis(t, name, failed)
	case s.dbSystem != "":
		failed = s.db(t, failed, d)
	case s.msgSystem != "":
		s.messaging(kind, t, failed)
	default:
		if k := kindTag(kind); k != "" {
			t.add(span.TagSpanKind, k)
		}
	}
	if failed {
		t.add(span.TagError, true)
		if errText != "" {
			t.add(span.TagErrorMessage, errText)
		}
	}
	return t.t
}

// tags collects a span's tags.
type tags struct{ t []span.Tag }

func (t *tags) add(k string, v any) { t.t = append(t.t, span.Tag{Key: k, Value: v}) }

func kindTag(k trace.SpanKind) string {
	switch k {
	case trace.SpanKindServer:
		return span.KindServer
	case trace.SpanKindClient:
		return span.KindClient
	case trace.SpanKindProducer:
		return span.KindProducer
	case trace.SpanKindConsumer:
		return span.KindConsumer
	}
	return ""
}

// reuseStr returns the boxed value of raw attribute tag at (index+1) when
// it is v, else v boxed anew.
func reuseStr(raw []span.Tag, at int, v string) any {
	if at > 0 {
		if r, ok := raw[at-1].Value.(string); ok && r == v {
			return raw[at-1].Value
		}
	}
	return v
}

// reuseInt is reuseStr for integers.
func reuseInt(raw []span.Tag, at int, v int64) any {
	if at > 0 {
		if r, ok := raw[at-1].Value.(int64); ok && r == v {
			return raw[at-1].Value
		}
	}
	return v
}

// http writes the HTTP layouts' tags; raw are the attributes' tags, whose
// boxed values it reuses.
func (s *sem) http(kind trace.SpanKind, t *tags, failed bool, raw []span.Tag) {
	server := kind == trace.SpanKindServer
	method := s.method
	if method == "_OTHER" && s.methodOrig != "" {
		method = s.methodOrig
	}
	t.add(span.TagHTTPMethod, reuseStr(raw, s.methodAt, method))
	if server {
		t.add(span.TagSpanKind, span.KindServer)
		t.add(span.TagThreadName, "http-server")
	} else {
		t.add(span.TagSpanKind, span.KindClient)
		t.add(span.TagThreadName, "http-client")
	}
	if s.urlFull != "" {
		t.add(span.TagHTTPURL, reuseStr(raw, s.urlAt, s.urlFull))
	} else if u := s.url(server); u != "" {
		t.add(span.TagHTTPURL, u)
	}
	switch {
	case s.hasStatus:
		t.add(span.TagHTTPStatusCode, reuseInt(raw, s.statusAt, s.status))
	case failed && !server:
		t.add(span.TagHTTPStatusCode, int64(-1)) // no response, as the nethttp plugin
	}
	if s.hasReqSize {
		t.add(span.TagReqSize, reuseInt(raw, s.reqAt, s.reqSize))
	}
	if s.hasRespSize {
		t.add(span.TagRespSize, reuseInt(raw, s.respAt, s.respSize))
	}
	if !server && s.peerService != "" {
		t.add(span.TagRemoteApp, s.peerService)
	}
}

// url is request.url: url.full for a client (old http.url); for a server
// scheme://host[:port]path[?query], from url.* and server.* (old http.*,
// net.host.*), built in one allocation.
func (s *sem) url(server bool) string {
	if s.urlFull != "" {
		return s.urlFull
	}
	if !server && s.serverAddr == "" {
		return ""
	}
	path := s.path
	if path == "" {
		path = s.target
	}
	if path == "" && s.host == "" && s.serverAddr == "" {
		return ""
	}
	var buf [256]byte
	b := buf[:0]
	if s.host != "" || s.serverAddr != "" {
		scheme := s.scheme
		if scheme == "" {
			scheme = "http"
		}
		b = append(append(b, scheme...), "://"...)
		if s.host != "" {
			b = append(b, s.host...)
		} else {
			b = appendHostPort(b, s.serverAddr, s.serverPort)
		}
	}
	b = append(b, path...)
	if s.query != "" {
		b = append(append(b, '?'), s.query...)
	}
	return string(b)
}

// rpc writes the RPC layouts' tags and returns whether the call failed:
// a result code other than 00 is an error, as in the grpctrace plugin.
func (s *sem) rpc(kind trace.SpanKind, t *tags, failed bool) bool {
	server := kind == trace.SpanKindServer || kind == trace.SpanKindConsumer
	t.add(span.TagProtocol, s.rpcSystem)
	svc, method := s.rpcService, s.rpcMethod
	if (method == "_OTHER" || strings.HasSuffix(method, "/_OTHER")) && s.rpcMethodOrig != "" {
		method = s.rpcMethodOrig
	}
	if i := strings.LastIndexByte(method, '/'); i >= 0 {
		svc, method = strings.TrimPrefix(method[:i], "/"), method[i+1:]
	}
	if svc != "" {
		t.add(span.TagService, svc)
	}
	if method != "" {
		t.add(span.TagMethod, method)
	}
	remoteIP := ""
	switch {
	case s.peerAddr != "":
		remoteIP = hostPort(s.peerAddr, s.peerPort)
	case server && s.clientAddr != "":
		remoteIP = hostPort(s.clientAddr, s.clientPort)
	case !server && s.serverAddr != "":
		remoteIP = hostPort(s.serverAddr, s.serverPort)
	}
	if remoteIP != "" {
		t.add(span.TagRemoteIP, remoteIP)
	}
	if s.peerService != "" {
		t.add(span.TagRemoteApp, s.peerService)
	}
	if server {
		t.add(span.TagSpanKind, span.KindServer)
		t.add(span.TagThreadName, s.rpcSystem+"-server")
	} else {
		t.add(span.TagSpanKind, span.KindClient)
		t.add(span.TagThreadName, s.rpcSystem+"-client")
	}
	code := s.rpcResult(server, failed)
	t.add(span.TagResultCode, code)
	return failed || code != "00"
}

// grpcCodeNames are the gRPC status codes by number, as OpenTelemetry
// spells them.
var grpcCodeNames = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

// rpcResult is SOFARPC's result code from the status code: 00 OK, 03
// deadline exceeded, 02 framework errors, 01 other (application) codes;
// with no code, 02 for a failed client and 01 for a failed server.
func (s *sem) rpcResult(server, failed bool) string {
	code := strings.ToUpper(s.rpcCode)
	if code == "" && s.hasGrpcCode && s.grpcCode >= 0 && s.grpcCode < int64(len(grpcCodeNames)) {
		code = grpcCodeNames[s.grpcCode]
	}
	switch code {
	case "OK", "0":
		return "00"
	case "DEADLINE_EXCEEDED":
		return "03"
	case "CANCELLED", "CANCELED", "RESOURCE_EXHAUSTED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS":
		return "02"
	case "":
		switch {
		case !failed:
			return "00"
		case server:
			return "01"
		}
		return "02"
	}
	return "01"
}

// Tags of the messaging layouts (SOFATracer's Spring messaging plugin);
// database spans use digest.DataSourceClient's tags.
const (
	tagMsgTopic   = "msg.topic"
	tagMsgChannel = "msg.channel"
	tagMsgID      = "msg.id"
)

// db writes the tags of digest.DataSourceClient, the layout sqltrace
// writes too, and returns whether the statement failed: status Error, or
// an error.type attribute (which semantic conventions set only on
// failure). The layout derives result.code from the error tag.
func (s *sem) db(t *tags, failed bool, d time.Duration) bool {
	t.add(span.TagComponent, componentDB)
	t.add(span.TagSpanKind, span.KindClient)
	t.add(span.TagThreadName, s.dbSystem+"-client")
	t.add(digest.TagDatabaseType, s.dbSystem)
	if s.dbName != "" {
		t.add(digest.TagDBInstance, s.dbName)
	}
	if s.dbQuery != "" {
		t.add(digest.TagSQL, digest.SQLField(digest.CleanSQL(s.dbQuery)))
	}
	// The stat key names the statement by its summary, never by raw SQL
	// with literals, which would make a row per statement.
	summary := s.dbSummary
	if summary == "" {
		summary = strings.TrimSpace(s.dbOperation + " " + s.dbCollection)
	}
	if summary != "" {
		t.add(digest.TagSQLSummary, summary)
	}
	if ep := hostPort(s.serverAddr, s.serverPort); ep != "" {
		t.add(digest.TagPeerAddress, ep)
	}
	t.add(digest.TagExecuteCost, strconv.FormatInt(d.Milliseconds(), 10)+"ms")
	return failed || s.errorType != ""
}

// redis writes the tags of digest.Redis, the layout redistrace writes
// too: method is db.operation.name, else the span name (redisotel names a
// span after its command), upper case. The statement, which holds keys
// and values, stays out of the line. It returns whether the command
// failed, as db.
func (s *sem) redis(t *tags, name string, failed bool) bool {
	t.add(span.TagComponent, componentRedis)
	t.add(span.TagSpanKind, span.KindClient)
	t.add(span.TagThreadName, "redis-client")
	t.add(digest.TagDBType, s.dbSystem)
	method := s.dbOperation
	if method == "" {
		method = name
	}
	t.add(span.TagMethod, strings.ToUpper(method))
	return failed || s.errorType != ""
}

func (s *sem) messaging(kind trace.SpanKind, t *tags, failed bool) {
	t.add(span.TagComponent, componentMessaging)
	sub := kind == trace.SpanKindConsumer || kind == trace.SpanKindServer ||
		s.msgOp == "receive" || s.msgOp == "process" || s.msgOp == "settle"
	if sub {
		t.add(span.TagSpanKind, span.KindConsumer)
		t.add(span.TagThreadName, s.msgSystem+"-consumer")
	} else {
		t.add(span.TagSpanKind, span.KindProducer)
		t.add(span.TagThreadName, s.msgSystem+"-producer")
	}
	t.add(tagMsgChannel, s.msgSystem)
	if s.msgDest != "" {
		t.add(tagMsgTopic, s.msgDest)
	}
	if s.msgID != "" {
		t.add(tagMsgID, s.msgID)
	}
	remote := s.peerService
	if remote == "" {
		remote = hostPort(s.serverAddr, s.serverPort)
	}
	if remote == "" {
		remote = "broker"
	}
	t.add(span.TagRemoteApp, remote)
	if failed {
		t.add(span.TagResultCode, "99")
	} else {
		t.add(span.TagResultCode, "00")
	}
}
