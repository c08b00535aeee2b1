package bolt

import "time"

// Protocol holds the protocol bytes of a frame. The zero value means Bolt v1.
type Protocol struct {
	// Code is ProtoV1 or ProtoV2; 0 is encoded as ProtoV1.
	Code byte
	// Version is the Bolt v2 ver1 byte (1 or 2); unused for v1.
	Version byte
	// Switch is the Bolt v2 switch byte; bit 0 turns on the CRC32 trailer
	// when Version is 2. Unused for v1.
	Switch byte
}

// IsV2 reports whether p is Bolt v2.
func (p Protocol) IsV2() bool { return p.Code == ProtoV2 }

// HasCRC reports whether frames of protocol p carry a CRC32 trailer.
func (p Protocol) HasCRC() bool { return p.Code == ProtoV2 && p.Version == 2 && p.Switch&1 != 0 }

func (p Protocol) extra() int {
	n := 0
	if p.IsV2() {
		n += v2Extra
		if p.HasCRC() {
			n += crcLen
		}
	}
	return n
}

// Frame is a decoded frame: a *Request or a *Response.
type Frame interface {
	// FrameID returns the frame's request id.
	FrameID() uint32
	isFrame()
}

// Request is a Bolt request, heartbeat or oneway request.
//
// Service and Method are carried in the header map. On decode they are set
// from the keys "service" (else "sofa_head_target_service") and
// "sofa_head_method_name". On encode, a non-empty Service that differs from
// the service the Header names is written into every "service" and
// "sofa_head_target_service" pair present (both keys are appended when
// neither is present); likewise a non-empty Method that differs from the
// Header's "sofa_head_method_name" replaces it or is appended. Header itself
// is never modified by encoding, and a decoded request re-encodes unchanged.
type Request struct {
	// Proto selects the protocol; the zero value is Bolt v1.
	Proto Protocol
	// ID is the request id. Client.Call assigns its own and ignores this one.
	ID uint32
	// Oneway marks a request that gets no response (type 2).
	Oneway bool
	// Heartbeat marks a heartbeat (cmdcode 0); otherwise it is an RPC
	// request (cmdcode 1). Client.Call always sends RPC requests.
	Heartbeat bool
	// Version is the command version (ver2); Client and Server send 1 for 0.
	Version byte
	// Codec is the serializer code of Content, e.g. CodecHessian2.
	Codec byte
	// Timeout is the timeout field, whole milliseconds on the wire (a
	// positive value is rounded up); -1ms is Java's "no timeout".
	// Client.Call writes the time left until the context deadline, and
	// also applies a positive Timeout as a deadline.
	Timeout time.Duration
	// Class is the class name, e.g. ClassSofaRequest.
	Class string
	// Service is the target service (see the type doc).
	Service string
	// Method is the method name (see the type doc).
	Method string
	// Header is the SOFARPC header map, in wire order.
	Header Header
	// Content is the serialized body, opaque to this package.
	Content []byte
}

// Response is a Bolt response or heartbeat ack.
type Response struct {
	// Proto selects the protocol; the zero value is Bolt v1. A Server
	// answers in the protocol of the request.
	Proto Protocol
	// ID is the id of the request this answers. A Server sets it.
	ID uint32
	// Heartbeat marks a heartbeat ack (cmdcode 0); otherwise it is an RPC
	// response (cmdcode 2).
	Heartbeat bool
	// Version is the command version (ver2); a Server sends 1 for 0.
	Version byte
	// Codec is the serializer code of Content; a Server uses the request's
	// codec when it is 0.
	Codec byte
	// Status is the response status.
	Status Status
	// Class is the class name, e.g. ClassSofaResponse.
	Class string
	// Header is the header map (SOFARPC response props), in wire order.
	Header Header
	// Content is the serialized body, opaque to this package.
	Content []byte
}

// FrameID returns r.ID.
func (r *Request) FrameID() uint32 { return r.ID }

// FrameID returns r.ID.
func (r *Response) FrameID() uint32 { return r.ID }

func (*Request) isFrame()  {}
func (*Response) isFrame() {}

// Size returns the number of bytes r occupies on the wire once encoded,
// including the fixed part, class, header map (with Service and Method
// applied), content and any CRC trailer. For a decoded request it equals the
// bytes received unless null header pairs were dropped. Use it for
// "req.size".
func (r *Request) Size() int {
	return v1RequestFixed + r.Proto.extra() + len(r.Class) + r.routing().headerLen(r.Header) + len(r.Content)
}

// Size returns the number of bytes r occupies on the wire once encoded; for
// a decoded response, the bytes received (unless null header pairs were
// dropped). Use it for "resp.size".
func (r *Response) Size() int {
	return v1ResponseFixed + r.Proto.extra() + len(r.Class) + r.Header.EncodedLen() + len(r.Content)
}

// routing says how Service and Method are merged into a request's header.
type routing struct {
	service, method       string
	setService, setMethod bool // overwrite the values of present keys
	addService, addMethod bool // append the keys
}

func (r *Request) routing() routing {
	var rt routing
	if r.Service != "" {
		cur, ok := r.Header.Lookup(KeyService)
		_, okT := r.Header.Lookup(KeyTargetService)
		if !ok {
			cur, ok = r.Header.Lookup(KeyTargetService)
		}
		if !ok || cur != r.Service {
			rt.service = r.Service
			rt.setService = true
			rt.addService = !ok && !okT
		}
	}
	if r.Method != "" {
		cur, ok := r.Header.Lookup(KeyMethodName)
		if !ok || cur != r.Method {
			rt.method = r.Method
			rt.setMethod = true
			rt.addMethod = !ok
		}
	}
	return rt
}

func (rt *routing) value(f HeaderField) string {
	if rt.setService && (f.Key == KeyService || f.Key == KeyTargetService) {
		return rt.service
	}
	if rt.setMethod && f.Key == KeyMethodName {
		return rt.method
	}
	return f.Value
}

func (rt routing) headerLen(h Header) int {
	if !rt.setService && !rt.setMethod {
		return h.EncodedLen()
	}
	n := 0
	for _, f := range h {
		n += 8 + len(f.Key) + len(rt.value(f))
	}
	if rt.addService {
		n += 16 + len(KeyService) + len(KeyTargetService) + 2*len(rt.service)
	}
	if rt.addMethod {
		n += 8 + len(KeyMethodName) + len(rt.method)
	}
	return n
}

func (rt *routing) appendHeader(dst []byte, h Header) []byte {
	if !rt.setService && !rt.setMethod {
		return AppendHeader(dst, h)
	}
	for _, f := range h {
		dst = appendString(dst, f.Key)
		dst = appendString(dst, rt.value(f))
	}
	if rt.addService {
		dst = appendString(dst, KeyService)
		dst = appendString(dst, rt.service)
		dst = appendString(dst, KeyTargetService)
		dst = appendString(dst, rt.service)
	}
	if rt.addMethod {
		dst = appendString(dst, KeyMethodName)
		dst = appendString(dst, rt.method)
	}
	return dst
}
