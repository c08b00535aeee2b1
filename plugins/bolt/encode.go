package bolt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"time"
)

// AppendRequest appends the wire encoding of r to dst. It fails with
// ErrBadLength when the class or header map is over 32767 bytes or the
// content over 2^31-1, and with ErrUnknownProtocol for a bad Proto.Code.
func AppendRequest(dst []byte, r *Request) ([]byte, error) {
	rt := r.routing()
	if err := checkLens(r.Proto, len(r.Class), rt.headerLen(r.Header), len(r.Content)); err != nil {
		return dst, err
	}
	return appendRequest(dst, r, &rt), nil
}

// AppendResponse appends the wire encoding of r to dst, with the same limits
// as AppendRequest.
func AppendResponse(dst []byte, r *Response) ([]byte, error) {
	if err := checkLens(r.Proto, len(r.Class), r.Header.EncodedLen(), len(r.Content)); err != nil {
		return dst, err
	}
	return appendResponse(dst, r), nil
}

// AppendFrame appends the wire encoding of f (a *Request or *Response).
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	switch f := f.(type) {
	case *Request:
		return AppendRequest(dst, f)
	case *Response:
		return AppendResponse(dst, f)
	}
	return dst, fmt.Errorf("bolt: cannot encode frame of type %T", f)
}

func checkLens(p Protocol, class, header, content int) error {
	switch {
	case p.Code != 0 && p.Code != ProtoV1 && p.Code != ProtoV2:
		return fmt.Errorf("%w: 0x%02x", ErrUnknownProtocol, p.Code)
	case class > maxShortLen:
		return fmt.Errorf("%w: class name is %d bytes, max %d", ErrBadLength, class, maxShortLen)
	case header > maxShortLen:
		return fmt.Errorf("%w: header map is %d bytes, max %d", ErrBadLength, header, maxShortLen)
	case int64(content) > math.MaxInt32-int64(v1RequestFixed+crcLen+v2Extra+2*maxShortLen):
		return fmt.Errorf("%w: content is %d bytes", ErrBadLength, content)
	}
	return nil
}

// appendProto writes the protocol byte(s) and the type; v2 adds ver1.
func appendProto(dst []byte, p Protocol, typ byte) []byte {
	if p.IsV2() {
		return append(dst, ProtoV2, p.Version, typ)
	}
	return append(dst, ProtoV1, typ)
}

func appendRequest(dst []byte, r *Request, rt *routing) []byte {
	start := len(dst)
	typ, cmd := TypeRequest, CmdRequest
	if r.Oneway {
		typ = TypeOneway
	}
	if r.Heartbeat {
		cmd = CmdHeartbeat
	}
	dst = appendProto(dst, r.Proto, typ)
	dst = binary.BigEndian.AppendUint16(dst, cmd)
	dst = append(dst, r.Version)
	dst = binary.BigEndian.AppendUint32(dst, r.ID)
	dst = append(dst, r.Codec)
	if r.Proto.IsV2() {
		dst = append(dst, r.Proto.Switch)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(timeoutMillis(r.Timeout)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Class)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(rt.headerLen(r.Header)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Content)))
	dst = append(dst, r.Class...)
	dst = rt.appendHeader(dst, r.Header)
	dst = append(dst, r.Content...)
	return appendCRC(dst, start, r.Proto)
}

func appendResponse(dst []byte, r *Response) []byte {
	start := len(dst)
	cmd := CmdResponse
	if r.Heartbeat {
		cmd = CmdHeartbeat
	}
	dst = appendProto(dst, r.Proto, TypeResponse)
	dst = binary.BigEndian.AppendUint16(dst, cmd)
	dst = append(dst, r.Version)
	dst = binary.BigEndian.AppendUint32(dst, r.ID)
	dst = append(dst, r.Codec)
	if r.Proto.IsV2() {
		dst = append(dst, r.Proto.Switch)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(r.Status))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Class)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(r.Header.EncodedLen()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Content)))
	dst = append(dst, r.Class...)
	dst = AppendHeader(dst, r.Header)
	dst = append(dst, r.Content...)
	return appendCRC(dst, start, r.Proto)
}

func appendCRC(dst []byte, start int, p Protocol) []byte {
	if !p.HasCRC() {
		return dst
	}
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// timeoutMillis converts d to the wire's int32 milliseconds: positive values
// are rounded up, others truncated, both clamped to the int32 range.
func timeoutMillis(d time.Duration) int32 {
	ms := d / time.Millisecond
	if d > 0 && d%time.Millisecond != 0 {
		ms++
	}
	switch {
	case ms > math.MaxInt32:
		return math.MaxInt32
	case ms < math.MinInt32:
		return math.MinInt32
	}
	return int32(ms)
}
