package span

// Tag keys that the digest layouts read. Plugins set them; any OpenTracing
// instrumentation that sets the standard keys (component, span.kind, http.*,
// peer.*, error) already produces useful lines. The SOFA names are those of
// SOFATracer's digest logs.
const (
	TagComponent      = "component"
	TagSpanKind       = "span.kind"
	TagError          = "error"
	TagHTTPURL        = "http.url"
	TagHTTPMethod     = "http.method"
	TagHTTPStatusCode = "http.status_code"
	// TagHTTPRoute is the route template a server matched, e.g.
	// "/orders/{id}": the http-server stat key uses it instead of the URL.
	TagHTTPRoute    = "http.route"
	TagPeerHostname = "peer.hostname"
	TagPeerIPv4     = "peer.ipv4"
	TagPeerPort     = "peer.port"
	TagPeerService  = "peer.service"

	// TagResultCode overrides the result code derived from other tags:
	// "00" success, "01" business error, "02" RPC error, "03" timeout,
	// "04" routing error for RPC; the status code for HTTP.
	TagResultCode = "result.code"
	// TagErrorMessage is the text written to a layout's error field.
	TagErrorMessage = "error.message"
	// TagThreadName fills the current.thread.name field; Go has no thread
	// names, so plugins set a short name of the serving component.
	TagThreadName   = "current.thread.name"
	TagReqSize      = "req.size.bytes"
	TagRespSize     = "resp.size.bytes"
	TagRemoteApp    = "remote.app"
	TagRemoteIP     = "remote.ip"
	TagProtocol     = "protocol"
	TagService      = "service"
	TagMethod       = "method"
	TagInvokeType   = "invoke.type"
	TagRouterRecord = "router.record"
	TagLocalIP      = "local.client.ip"
	TagLocalPort    = "local.client.port"
	TagBizImplTime  = "biz.impl.time"
	TagElapseTime   = "client.elapse.time"
	TagRemoteZone   = "remote.zone"
	// TagRPCMessages counts the messages of a streaming call.
	TagRPCMessagesSent     = "rpc.messages.sent"
	TagRPCMessagesReceived = "rpc.messages.received"
)

// Span kinds, as in OpenTracing's ext package.
const (
	KindClient   = "client"
	KindServer   = "server"
	KindProducer = "producer"
	KindConsumer = "consumer"
)
