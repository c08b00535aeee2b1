package sofaotel

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sofatracer/sofatracer-go/digest"
	"github.com/sofatracer/sofatracer-go/internal/strcache"
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

	bounds span.TagBounds // of every attribute read, for attrTags
}

// semField is the sem field an attribute key fills.
type semField uint8

const (
	fNone semField = iota
	fMethod
	fMethodOrig
	fURLFull
	fScheme
	fPath
	fQuery
	fTarget
	fHost
	fServerAddr
	fServerPort
	fClientAddr
	fClientPort
	fPeerAddr
	fPeerPort
	fPeerService
	fErrorType
	fStatus
	fReqSize
	fRespSize
	fRPCSystem
	fRPCService
	fRPCMethod
	fRPCMethodOrig
	fRPCCode
	fGrpcCode
	fDBSystem
	fDbName
	fDbQuery
	fDbOperation
	fDBSummary
	fDbCollection
	fMsgSystem
	fMsgOp
	fMsgDest
	fMsgID
)

// semKeys maps every attribute key sem reads, current and old names, to
// its field.
var semKeys = map[string]semField{
	"http.request.method":          fMethod,
	"http.method":                  fMethod,
	"http.request.method_original": fMethodOrig,
	"url.full":                     fURLFull,
	"http.url":                     fURLFull,
	"url.scheme":                   fScheme,
	"http.scheme":                  fScheme,
	"url.path":                     fPath,
	"url.query":                    fQuery,
	"http.target":                  fTarget,
	"http.host":                    fHost,
	"server.address":               fServerAddr,
	"net.host.name":                fServerAddr,
	"net.peer.name":                fServerAddr,
	"server.port":                  fServerPort,
	"net.host.port":                fServerPort,
	"net.peer.port":                fServerPort,
	"client.address":               fClientAddr,
	"http.client_ip":               fClientAddr,
	"client.port":                  fClientPort,
	"network.peer.address":         fPeerAddr,
	"net.sock.peer.addr":           fPeerAddr,
	"network.peer.port":            fPeerPort,
	"net.sock.peer.port":           fPeerPort,
	"service.peer.name":            fPeerService,
	"peer.service":                 fPeerService,
	"error.type":                   fErrorType,
	"http.response.status_code":    fStatus,
	"http.status_code":             fStatus,
	"http.request.body.size":       fReqSize,
	"http.request_content_length":  fReqSize,
	"http.response.body.size":      fRespSize,
	"http.response_content_length": fRespSize,
	"rpc.system.name":              fRPCSystem,
	"rpc.system":                   fRPCSystem,
	"rpc.service":                  fRPCService,
	"rpc.method":                   fRPCMethod,
	"rpc.method_original":          fRPCMethodOrig,
	"rpc.response.status_code":     fRPCCode,
	"rpc.status_code":              fRPCCode,
	"rpc.grpc.status_code":         fGrpcCode,
	"db.system.name":               fDBSystem,
	"db.system":                    fDBSystem,
	"db.namespace":                 fDbName,
	"db.name":                      fDbName,
	"db.query.text":                fDbQuery,
	"db.statement":                 fDbQuery,
	"db.operation.name":            fDbOperation,
	"db.operation":                 fDbOperation,
	"db.query.summary":             fDBSummary,
	"db.collection.name":           fDbCollection,
	"db.sql.table":                 fDbCollection,
	"messaging.system":             fMsgSystem,
	"messaging.operation.type":     fMsgOp,
	"messaging.operation":          fMsgOp,
	"messaging.destination.name":   fMsgDest,
	"messaging.message.id":         fMsgID,
}

// semIndex is semKeys as an open-addressing table: a lookup costs a few
// arithmetic operations and usually one string compare, where a switch
// over the keys cost three times as much per attribute at End.
var semIndex = func() (t [semIndexSize]struct {
	key string
	f   semField
}) {
	if len(semKeys)*4 > semIndexSize {
		panic("sofaotel: semIndexSize is too small for semKeys") // a full table would never end a lookup
	}
	for k, f := range semKeys {
		h := semHash(k)
		for t[h].key != "" {
			h = (h + 1) & (semIndexSize - 1)
		}
		t[h].key, t[h].f = k, f
	}
	return t
}()

const semIndexSize = 256 // a power of two, over four times len(semKeys)

func semHash(k string) uint {
	n := uint(len(k))
	return (n*37 + uint(k[0])*7 + uint(k[n/2])*11 + uint(k[n-1])*13 + uint(k[n*3/4])) & (semIndexSize - 1)
}

// fieldOf returns the field key fills, fNone when sem does not read it.
func fieldOf(k string) semField {
	if k == "" {
		return fNone
	}
	for h := semHash(k); ; h = (h + 1) & (semIndexSize - 1) {
		e := &semIndex[h]
		if e.key == k {
			return e.f
		}
		if e.key == "" {
			return fNone
		}
	}
}

// read fills s from attrs in one pass; a later attribute wins. It also
// measures them for span.TagBounds.
func (s *sem) read(attrs []attribute.KeyValue) {
	for _, a := range attrs {
		v := a.Value
		s.bounds.N++
		s.bounds.KeyBits |= span.KeyBit(string(a.Key))
		switch v.Type() {
		case attribute.STRING:
			s.bounds.Longest = max(s.bounds.Longest, len(v.AsString()))
		case attribute.BOOLSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.STRINGSLICE:
			s.bounds.Longest = math.MaxInt // an array's text is not measured
		}
		switch fieldOf(string(a.Key)) {
		case fMethod:
			s.method = text(v)
		case fMethodOrig:
			s.methodOrig = text(v)
		case fURLFull:
			s.urlFull = text(v)
		case fScheme:
			s.scheme = text(v)
		case fPath:
			s.path = text(v)
		case fQuery:
			s.query = text(v)
		case fTarget:
			s.target = text(v)
		case fHost:
			s.host = text(v)
		case fServerAddr:
			s.serverAddr = text(v)
		case fServerPort:
			s.serverPort = v
		case fClientAddr:
			s.clientAddr = text(v)
		case fClientPort:
			s.clientPort = v
		case fPeerAddr:
			s.peerAddr = text(v)
		case fPeerPort:
			s.peerPort = v
		case fPeerService:
			s.peerService = text(v)
		case fErrorType:
			s.errorType = text(v)
		case fStatus:
			s.status, s.hasStatus = intOf(v)
		case fReqSize:
			s.reqSize, s.hasReqSize = intOf(v)
		case fRespSize:
			s.respSize, s.hasRespSize = intOf(v)
		case fRPCSystem:
			s.rpcSystem = text(v)
		case fRPCService:
			s.rpcService = text(v)
		case fRPCMethod:
			s.rpcMethod = text(v)
		case fRPCMethodOrig:
			s.rpcMethodOrig = text(v)
		case fRPCCode:
			s.rpcCode = text(v)
		case fGrpcCode:
			s.grpcCode, s.hasGrpcCode = intOf(v)
		case fDBSystem:
			s.dbSystem = text(v)
		case fDbName:
			s.dbName = text(v)
		case fDbQuery:
			s.dbQuery = text(v)
		case fDbOperation:
			s.dbOperation = text(v)
		case fDBSummary:
			s.dbSummary = text(v)
		case fDbCollection:
			s.dbCollection = text(v)
		case fMsgSystem:
			s.msgSystem = text(v)
		case fMsgOp:
			s.msgOp = text(v)
		case fMsgDest:
			s.msgDest = text(v)
		case fMsgID:
			s.msgID = text(v)
		}
	}
}

// text is v.Emit(), without its call and switch for a string: End reads
// every attribute, and most are strings.
func text(v attribute.Value) string {
	if v.Type() == attribute.STRING {
		return v.AsString()
	}
	return v.Emit()
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

// semconvTags returns, appended to dst, the tags of the digest layout a
// span's semantic conventions call for (HTTP server or client, RPC client
// or server, database, messaging; none makes it a biz span), and a block
// of those it shares with like spans (HTTP, RPC), to set first. The
// attributes are those set at the start, then the later ones; each is a
// tag under its own key as well (see attrTags).
func semconvTags(dst []span.Tag, kind trace.SpanKind, name string, attrs, late []attribute.KeyValue, st codes.Code, errText string, dur func() time.Duration) ([]span.Tag, *span.TagBlock, span.TagBounds) {
	t := dst
	var b *span.TagBlock
	var s sem
	s.read(attrs)
	s.read(late)
	failed := st == codes.Error
	if failed && errText == "" {
		errText = s.errorType
	}
	switch {
	case s.rpcSystem != "":
		t, b, failed = s.rpc(kind, t, failed)
	case s.method != "":
		t, b = s.http(kind, t, failed)
	case s.dbSystem == "redis":
		t, failed = s.redis(t, name, failed)
	case s.dbSystem != "":
		t, failed = s.db(t, failed, dur())
	case s.msgSystem != "":
		t = s.messaging(kind, t, failed)
	default:
		if k := kindTag(kind); k != "" {
			t = add(t, span.TagSpanKind, k)
		}
	}
	if failed {
		t = add(t, span.TagError, true)
		if errText != "" {
			t = add(t, span.TagErrorMessage, errText)
		}
	}
	return t, b, s.bounds
}

func add(t []span.Tag, k string, v any) []span.Tag { return append(t, span.Tag{Key: k, Value: v}) }

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

// http writes the HTTP layouts' tags: the method, kind, thread name and
// status code as a block that spans with the same ones share (see
// httpBlock), or as tags of their own when no block is kept for them;
// then the URL, sizes and remote app.
func (s *sem) http(kind trace.SpanKind, t []span.Tag, failed bool) ([]span.Tag, *span.TagBlock) {
	server := kind == trace.SpanKindServer
	method := s.method
	if method == "_OTHER" && s.methodOrig != "" {
		method = s.methodOrig
	}
	status, hasStatus := s.status, s.hasStatus
	if !hasStatus && failed && !server {
		status, hasStatus = -1, true // no response, as the nethttp plugin
	}
	b := httpBlock(httpKey{server: server, method: method, status: status, hasStatus: hasStatus})
	if b == nil {
		t = appendHTTPShared(t, server, method, status, hasStatus)
	}
	if s.urlFull != "" {
		t = add(t, span.TagHTTPURL, s.urlFull)
	} else if u := s.url(server); u != "" {
		t = add(t, span.TagHTTPURL, u)
	}
	if s.hasReqSize {
		t = add(t, span.TagReqSize, s.reqSize)
	}
	if s.hasRespSize {
		t = add(t, span.TagRespSize, s.respSize)
	}
	if !server && s.peerService != "" {
		t = add(t, span.TagRemoteApp, s.peerService)
	}
	return t, b
}

// appendHTTPShared appends the HTTP tags that spans of one kind, method
// and status have in common.
func appendHTTPShared(t []span.Tag, server bool, method string, status int64, hasStatus bool) []span.Tag {
	t = add(t, span.TagHTTPMethod, box(method))
	if server {
		t = add(t, span.TagSpanKind, span.KindServer)
		t = add(t, span.TagThreadName, "http-server")
	} else {
		t = add(t, span.TagSpanKind, span.KindClient)
		t = add(t, span.TagThreadName, "http-client")
	}
	if hasStatus {
		t = add(t, span.TagHTTPStatusCode, status)
	}
	return t
}

// httpKey is what an HTTP span's shared tags depend on.
type httpKey struct {
	server, hasStatus bool
	method            string
	status            int64
}

// httpBlocks holds a span.TagBlock per httpKey, as many as strcache keeps,
// and only for the standard methods and statuses 100 to 599 (or none, or
// -1), so that peers sending made-up methods or codes cannot fill it. A
// span shares its block instead of holding four tags itself, which keeps
// an HTTP span's own tags within the span.
var httpBlocks = new(strcache.Cache[*span.TagBlock])

// httpBlock returns the block of k, made on first use, or nil when k
// is not kept.
func httpBlock(k httpKey) *span.TagBlock {
	if !digest.StandardHTTPMethod(k.method) || k.hasStatus && k.status != -1 && (k.status < 100 || k.status > 599) {
		return nil
	}
	if !k.hasStatus {
		k.status = 0 // one key for every span without one
	}
	var buf [16]byte
	b, _ := httpBlocks.Kept(appendHTTPKey(buf[:0], k), newHTTPBlock)
	return b
}

// appendHTTPKey encodes k: flags, the status plus one in two bytes (it is
// -1 to 599), the method.
func appendHTTPKey(b []byte, k httpKey) []byte {
	var flags byte
	if k.server {
		flags |= 1
	}
	if k.hasStatus {
		flags |= 2
	}
	st := uint16(k.status + 1)
	return append(append(b, flags, byte(st>>8), byte(st)), k.method...)
}

// newHTTPBlock makes the block of a key appendHTTPKey encoded.
func newHTTPBlock(key string) *span.TagBlock {
	server, hasStatus := key[0]&1 != 0, key[0]&2 != 0
	status := int64(uint16(key[1])<<8|uint16(key[2])) - 1
	return span.NewTagBlock(appendHTTPShared(nil, server, key[3:], status, hasStatus)...)
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
// The protocol, service, method, kind, thread name and result code of a
// call that succeeded come as a block that spans with the same ones share
// (see rpcBlock); otherwise as tags of their own. Then the remote IP and
// app.
func (s *sem) rpc(kind trace.SpanKind, t []span.Tag, failed bool) ([]span.Tag, *span.TagBlock, bool) {
	server := kind == trace.SpanKindServer || kind == trace.SpanKindConsumer
	svc, method := s.rpcService, s.rpcMethod
	unknown := (method == "_OTHER" || strings.HasSuffix(method, "/_OTHER")) && s.rpcMethodOrig != ""
	if unknown {
		method = s.rpcMethodOrig
	}
	if i := strings.LastIndexByte(method, '/'); i >= 0 {
		svc, method = strings.TrimPrefix(method[:i], "/"), method[i+1:]
	}
	code := s.rpcResult(server, failed)
	var b *span.TagBlock
	if code == "00" && !unknown {
		// A method that answered exists, unless the instrumentation did
		// not know it (_OTHER): peers cannot fill the cache with made-up
		// names.
		b = rpcBlock(server, s.rpcSystem, svc, method)
	}
	if b == nil {
		t = appendRPCShared(t, server, s.rpcSystem, svc, method, code)
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
		t = add(t, span.TagRemoteIP, remoteIP)
	}
	if s.peerService != "" {
		t = add(t, span.TagRemoteApp, s.peerService)
	}
	return t, b, failed || code != "00"
}

// appendRPCShared appends the RPC tags that the calls of one method with
// one result have in common.
func appendRPCShared(t []span.Tag, server bool, system, svc, method, code string) []span.Tag {
	t = add(t, span.TagProtocol, system)
	if svc != "" {
		t = add(t, span.TagService, svc)
	}
	if method != "" {
		t = add(t, span.TagMethod, method)
	}
	if server {
		t = add(t, span.TagSpanKind, span.KindServer)
		t = add(t, span.TagThreadName, system+"-server")
	} else {
		t = add(t, span.TagSpanKind, span.KindClient)
		t = add(t, span.TagThreadName, system+"-client")
	}
	return add(t, span.TagResultCode, code)
}

// rpcBlocks holds a span.TagBlock of the shared tags of successful calls
// per side, system, service and method, as many as strcache keeps.
var rpcBlocks = new(strcache.Cache[*span.TagBlock])

// rpcBlock returns the block of a successful call, made on first use, or
// nil when it is not kept.
func rpcBlock(server bool, system, svc, method string) *span.TagBlock {
	if strings.IndexByte(system, 0) >= 0 || strings.IndexByte(svc, 0) >= 0 || strings.IndexByte(method, 0) >= 0 {
		return nil // the key separates them with NUL
	}
	if 3+len(system)+len(svc)+len(method) > strcache.MaxCachedLen {
		return nil
	}
	var buf [strcache.MaxCachedLen]byte
	k := append(buf[:0], 'c')
	if server {
		k[0] = 's'
	}
	k = append(append(append(append(append(k, system...), 0), svc...), 0), method...)
	b, _ := rpcBlocks.Kept(k, newRPCBlock)
	return b
}

// newRPCBlock makes the block of a key rpcBlock encoded.
func newRPCBlock(key string) *span.TagBlock {
	system, rest, _ := strings.Cut(key[1:], "\x00")
	svc, method, _ := strings.Cut(rest, "\x00")
	return span.NewTagBlock(appendRPCShared(nil, key[0] == 's', system, svc, method, "00")...)
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
func (s *sem) db(t []span.Tag, failed bool, d time.Duration) ([]span.Tag, bool) {
	t = add(t, span.TagComponent, componentDB)
	t = add(t, span.TagSpanKind, span.KindClient)
	t = add(t, span.TagThreadName, s.dbSystem+"-client")
	t = add(t, digest.TagDatabaseType, s.dbSystem)
	if s.dbName != "" {
		t = add(t, digest.TagDBInstance, s.dbName)
	}
	if s.dbQuery != "" {
		t = add(t, digest.TagSQL, digest.SQLField(digest.CleanSQL(s.dbQuery)))
	}
	// The stat key names the statement by its summary when there is one
	// (else by its text), so that literals do not make a row per statement.
	summary := s.dbSummary
	if summary == "" {
		summary = strings.TrimSpace(s.dbOperation + " " + s.dbCollection)
	}
	if summary != "" {
		t = add(t, digest.TagSQLSummary, summary)
	}
	if ep := hostPort(s.serverAddr, s.serverPort); ep != "" {
		t = add(t, digest.TagPeerAddress, ep)
	}
	t = add(t, digest.TagExecuteCost, strconv.FormatInt(d.Milliseconds(), 10)+"ms")
	return t, failed || s.errorType != ""
}

// redis writes the tags of digest.Redis, the layout redistrace writes
// too: method is db.operation.name, else the span name (redisotel names a
// span after its command), upper case. The statement, which holds keys
// and values, stays out of the line. It returns whether the command
// failed, as db.
func (s *sem) redis(t []span.Tag, name string, failed bool) ([]span.Tag, bool) {
	t = add(t, span.TagComponent, componentRedis)
	t = add(t, span.TagSpanKind, span.KindClient)
	t = add(t, span.TagThreadName, "redis-client")
	t = add(t, digest.TagDBType, s.dbSystem)
	method := s.dbOperation
	if method == "" {
		method = name
	}
	t = add(t, span.TagMethod, strings.ToUpper(method))
	return t, failed || s.errorType != ""
}

func (s *sem) messaging(kind trace.SpanKind, t []span.Tag, failed bool) []span.Tag {
	t = add(t, span.TagComponent, componentMessaging)
	sub := kind == trace.SpanKindConsumer || kind == trace.SpanKindServer ||
		s.msgOp == "receive" || s.msgOp == "process" || s.msgOp == "settle"
	if sub {
		t = add(t, span.TagSpanKind, span.KindConsumer)
		t = add(t, span.TagThreadName, s.msgSystem+"-consumer")
	} else {
		t = add(t, span.TagSpanKind, span.KindProducer)
		t = add(t, span.TagThreadName, s.msgSystem+"-producer")
	}
	t = add(t, tagMsgChannel, s.msgSystem)
	if s.msgDest != "" {
		t = add(t, tagMsgTopic, s.msgDest)
	}
	if s.msgID != "" {
		t = add(t, tagMsgID, s.msgID)
	}
	remote := s.peerService
	if remote == "" {
		remote = hostPort(s.serverAddr, s.serverPort)
	}
	if remote == "" {
		remote = "broker"
	}
	t = add(t, span.TagRemoteApp, remote)
	if failed {
		return add(t, span.TagResultCode, "99")
	}
	return add(t, span.TagResultCode, "00")
}
