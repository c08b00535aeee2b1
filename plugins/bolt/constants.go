package bolt

// Protocol codes: the first byte of every frame.
const (
	// ProtoV1 is the Bolt v1 protocol code (RpcProtocol).
	ProtoV1 byte = 0x01
	// ProtoV2 is the Bolt v2 protocol code (RpcProtocolV2).
	ProtoV2 byte = 0x02
)

// Command types.
const (
	// TypeResponse marks a response frame.
	TypeResponse byte = 0
	// TypeRequest marks a request that expects a response.
	TypeRequest byte = 1
	// TypeOneway marks a request that gets no response.
	TypeOneway byte = 2
)

// Command codes.
const (
	// CmdHeartbeat is the command code of heartbeats and heartbeat acks.
	CmdHeartbeat uint16 = 0
	// CmdRequest is the command code of RPC requests.
	CmdRequest uint16 = 1
	// CmdResponse is the command code of RPC responses.
	CmdResponse uint16 = 2
)

// Serializer (codec) codes used by SOFARPC. The content itself is opaque to
// this package.
const (
	// CodecHessian2 is Hessian 2, the Bolt default.
	CodecHessian2 byte = 1
	// CodecJava is Java serialization.
	CodecJava byte = 2
	// CodecProtobuf is Protocol Buffers.
	CodecProtobuf byte = 11
	// CodecJSON is JSON.
	CodecJSON byte = 12

	// codecProtostuff is SOFARPC's Protostuff serializer (13 is MessagePack).
	codecProtostuff byte = 14
)

// Class names SOFARPC puts in the class field.
const (
	// ClassSofaRequest is the class of SOFARPC requests.
	ClassSofaRequest = "com.alipay.sofa.rpc.core.request.SofaRequest"
	// ClassSofaResponse is the class of SOFARPC responses.
	ClassSofaResponse = "com.alipay.sofa.rpc.core.response.SofaResponse"
)

// SOFARPC header-map keys (RemotingConstants).
const (
	// KeyService is the target service unique name (interface:version[:uniqueId]).
	KeyService = "service"
	// KeyTargetService is the older key for the target service.
	KeyTargetService = "sofa_head_target_service"
	// KeyMethodName is the invoked method name.
	KeyMethodName = "sofa_head_method_name"
	// KeyTargetApp is the target application name.
	KeyTargetApp = "sofa_head_target_app"
	// KeyAppName is the caller's application name.
	KeyAppName = "app"
	// KeyProtocol is the protocol name, e.g. "bolt".
	KeyProtocol = "protocol"
	// KeyInvokeType is the invoke type: sync, oneway, callback or future.
	KeyInvokeType = "type"
	// KeyResponseError is set to "true" by SOFARPC in the header of a
	// successful response that carries a business or framework error.
	KeyResponseError = "sofa_head_response_error"
)

// Sizes of the fixed parts of frames.
const (
	v1RequestFixed  = 22
	v1ResponseFixed = 20
	v2Extra         = 2 // ver1 and switch
	crcLen          = 4

	// maxShortLen is the largest class or header length Java accepts
	// (Short.MAX_VALUE).
	maxShortLen = 32767

	// DefaultMaxFrameSize is the default limit on a whole frame, in bytes.
	DefaultMaxFrameSize = 16 << 20
)
