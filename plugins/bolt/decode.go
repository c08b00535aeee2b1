package bolt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"time"
)

// readChunk bounds the memory committed to a frame body before its bytes
// arrive: bodies larger than this grow as data is read.
const readChunk = 64 << 10

// Decoder reads frames from a byte stream, one at a time. Frames may be
// split across reads or share one; the Decoder buffers through a
// bufio.Reader. It is not safe for concurrent use.
type Decoder struct {
	r       *bufio.Reader
	max     int64
	fixed   [v1RequestFixed + v2Extra]byte
	scratch []byte // class and header bytes; reused (at most 64 KiB)
	trailer [crcLen]byte
}

// NewDecoder returns a Decoder reading from r. Only WithMaxFrameSize and
// WithReadBufferSize apply. If r is a *bufio.Reader it is used as is.
func NewDecoder(r io.Reader, opts ...Option) *Decoder {
	return newDecoder(r, newOptions(opts))
}

func newDecoder(r io.Reader, o *options) *Decoder {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, o.readBuf)
	}
	return &Decoder{r: br, max: int64(o.maxFrame)}
}

// Decode reads the next frame and returns a *Request or *Response. At a
// clean end of stream it returns io.EOF; a stream ending inside a frame
// gives ErrTruncated; other read errors are returned wrapped. After an
// error the stream is out of sync and the Decoder must not be used again.
func (d *Decoder) Decode() (Frame, error) {
	h := d.fixed[:]
	if _, err := io.ReadFull(d.r, h[:1]); err != nil {
		return nil, err
	}
	typeAt := 1
	switch h[0] {
	case ProtoV1:
	case ProtoV2:
		typeAt = 2
	default:
		return nil, fmt.Errorf("%w: first byte 0x%02x", ErrUnknownProtocol, h[0])
	}
	if err := d.readFull(h[1 : typeAt+1]); err != nil {
		return nil, err
	}
	n, err := fixedLen(h[0], h[typeAt])
	if err != nil {
		return nil, err
	}
	if err := d.readFull(h[typeAt+1 : n]); err != nil {
		return nil, err
	}
	fh, err := parseFixed(h[:n])
	if err != nil {
		return nil, err
	}
	if fh.total > d.max {
		return nil, fmt.Errorf("%w: declared %d bytes, max %d", ErrFrameTooLarge, fh.total, d.max)
	}
	// Class and header (at most 2×32767 bytes) go to a reused buffer: they
	// are copied into strings anyway. Only the content gets its own slice.
	meta := fh.classLen + fh.headerLen
	if cap(d.scratch) < meta {
		d.scratch = make([]byte, meta)
	}
	m := d.scratch[:meta]
	if err := d.readFull(m); err != nil {
		return nil, err
	}
	if cap(d.scratch) > 4<<10 {
		d.scratch = nil // do not keep a large buffer for the next frames
	}
	content, err := d.readBody(fh.contentLen)
	if err != nil {
		return nil, err
	}
	var trailer []byte
	if fh.proto.HasCRC() {
		trailer = d.trailer[:]
		if err := d.readFull(trailer); err != nil {
			return nil, err
		}
	}
	return buildFrame(&fh, h[:n], m, content, trailer)
}

func (d *Decoder) readFull(b []byte) error {
	_, err := io.ReadFull(d.r, b)
	return readErr(err)
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: %w", ErrTruncated, io.ErrUnexpectedEOF)
	}
	return err
}

// readBody reads n bytes, committing memory only as the bytes arrive.
// It returns nil for n == 0.
func (d *Decoder) readBody(n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if n <= readChunk {
		b := make([]byte, n)
		return b, d.readFull(b)
	}
	b := make([]byte, 0, readChunk)
	for len(b) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(len(b), n-len(b)))
		}
		m, err := io.ReadFull(d.r, b[len(b):min(cap(b), n)])
		b = b[:len(b)+m]
		if err != nil {
			return nil, readErr(err)
		}
	}
	return b[:n:n], nil
}

// Unmarshal decodes b, which must hold exactly one frame. The result does
// not alias b.
func Unmarshal(b []byte) (Frame, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrTruncated)
	}
	typeAt := 1
	switch b[0] {
	case ProtoV1:
	case ProtoV2:
		typeAt = 2
	default:
		return nil, fmt.Errorf("%w: first byte 0x%02x", ErrUnknownProtocol, b[0])
	}
	if len(b) <= typeAt {
		return nil, fmt.Errorf("%w: %d bytes", ErrTruncated, len(b))
	}
	n, err := fixedLen(b[0], b[typeAt])
	if err != nil {
		return nil, err
	}
	if len(b) < n {
		return nil, fmt.Errorf("%w: %d bytes, fixed part needs %d", ErrTruncated, len(b), n)
	}
	fh, err := parseFixed(b[:n])
	if err != nil {
		return nil, err
	}
	switch {
	case fh.total > int64(len(b)):
		return nil, fmt.Errorf("%w: frame declares %d bytes, input has %d", ErrTruncated, fh.total, len(b))
	case fh.total < int64(len(b)):
		return nil, fmt.Errorf("%w: frame declares %d bytes, input has %d", ErrBadLength, fh.total, len(b))
	}
	meta := b[n : n+fh.classLen+fh.headerLen]
	rest := b[len(meta)+n:]
	content := rest[:fh.contentLen]
	if len(content) == 0 {
		content = nil
	}
	return buildFrame(&fh, b[:n], meta, slices.Clone(content), rest[fh.contentLen:])
}

// fixedHeader is the parsed fixed part of a frame.
type fixedHeader struct {
	proto                Protocol
	typ                  byte
	cmd                  uint16
	ver                  byte
	id                   uint32
	codec                byte
	timeout              int32
	status               uint16
	classLen, headerLen  int
	contentLen, fixedLen int
	total                int64
}

// fixedLen returns the size of the fixed part for a protocol and type.
func fixedLen(proto, typ byte) (int, error) {
	n := v1ResponseFixed
	switch typ {
	case TypeResponse:
	case TypeRequest, TypeOneway:
		n = v1RequestFixed
	default:
		return 0, fmt.Errorf("%w: 0x%02x", ErrUnknownType, typ)
	}
	if proto == ProtoV2 {
		n += v2Extra
	}
	return n, nil
}

// parseFixed parses and validates a complete fixed part.
func parseFixed(h []byte) (fixedHeader, error) {
	var fh fixedHeader
	fh.fixedLen = len(h)
	p := h
	fh.proto.Code = p[0]
	if fh.proto.Code == ProtoV2 {
		fh.proto.Version = p[1]
		p = p[1:]
	}
	fh.typ = p[1]
	fh.cmd = binary.BigEndian.Uint16(p[2:])
	fh.ver = p[4]
	fh.id = binary.BigEndian.Uint32(p[5:])
	fh.codec = p[9]
	p = p[10:]
	if fh.proto.Code == ProtoV2 {
		fh.proto.Switch = p[0]
		p = p[1:]
	}
	if fh.typ == TypeResponse {
		if fh.cmd != CmdResponse && fh.cmd != CmdHeartbeat {
			return fh, fmt.Errorf("%w: %d in a response", ErrUnknownCmdCode, fh.cmd)
		}
		fh.status = binary.BigEndian.Uint16(p)
		p = p[2:]
	} else {
		if fh.cmd != CmdRequest && fh.cmd != CmdHeartbeat {
			return fh, fmt.Errorf("%w: %d in a request", ErrUnknownCmdCode, fh.cmd)
		}
		fh.timeout = int32(binary.BigEndian.Uint32(p))
		p = p[4:]
	}
	cl, hl := int16(binary.BigEndian.Uint16(p)), int16(binary.BigEndian.Uint16(p[2:]))
	ct := int32(binary.BigEndian.Uint32(p[4:]))
	switch {
	case cl < 0:
		return fh, fmt.Errorf("%w: negative class length %d", ErrBadLength, cl)
	case hl < 0:
		return fh, fmt.Errorf("%w: negative header length %d", ErrBadLength, hl)
	case ct < 0:
		return fh, fmt.Errorf("%w: negative content length %d", ErrBadLength, ct)
	}
	fh.classLen, fh.headerLen, fh.contentLen = int(cl), int(hl), int(ct)
	fh.total = int64(fh.fixedLen) + int64(cl) + int64(hl) + int64(ct)
	if fh.proto.HasCRC() {
		fh.total += crcLen
	}
	return fh, nil
}

// buildFrame turns the parts of a frame into a Frame: meta holds the class
// and header bytes (copied), content becomes Content (kept), trailer is the
// CRC32 trailer when the protocol has one.
func buildFrame(fh *fixedHeader, fixed, meta, content, trailer []byte) (Frame, error) {
	if fh.proto.HasCRC() {
		want := binary.BigEndian.Uint32(trailer)
		got := crc32.Update(crc32.ChecksumIEEE(fixed), crc32.IEEETable, meta)
		got = crc32.Update(got, crc32.IEEETable, content)
		if got != want {
			return nil, fmt.Errorf("%w: trailer %08x, computed %08x", ErrChecksum, want, got)
		}
	}
	cl := fh.classLen
	n, err := scanHeader(meta[cl:])
	if err != nil {
		return nil, err
	}
	class := internClass(meta[:cl])
	if fh.typ == TypeResponse {
		resp, hdr := newResponse(n)
		*resp = Response{
			Proto: fh.proto, ID: fh.id, Heartbeat: fh.cmd == CmdHeartbeat, Version: fh.ver,
			Codec: fh.codec, Status: Status(fh.status), Class: class, Content: content,
		}
		if n > 0 {
			resp.Header = appendPairs(hdr, meta[cl:])
		}
		return resp, nil
	}
	req, hdr := newRequest(n)
	*req = Request{
		Proto: fh.proto, ID: fh.id, Oneway: fh.typ == TypeOneway, Heartbeat: fh.cmd == CmdHeartbeat,
		Version: fh.ver, Codec: fh.codec, Timeout: time.Duration(fh.timeout) * time.Millisecond,
		Class: class, Content: content,
	}
	if n > 0 {
		req.Header = appendPairs(hdr, meta[cl:])
	}
	svc, ok := req.Header.Lookup(KeyService)
	if !ok {
		svc = req.Header.Get(KeyTargetService)
	}
	req.Service, req.Method = svc, req.Header.Get(KeyMethodName)
	return req, nil
}

// withPairs is a decoded frame allocated together with the array of its
// header pairs.
type withPairs[F, A any] struct {
	frame F
	pairs A
}

// newRequest returns a Request and an empty Header with room for n pairs,
// in one allocation when n ≤ 16: for a multiple of 4 pairs it is no larger
// than the two apart.
func newRequest(n int) (*Request, Header) {
	switch {
	case n == 0:
		return new(Request), nil
	case n <= 4:
		a := new(withPairs[Request, [4]HeaderField])
		return &a.frame, a.pairs[:0]
	case n <= 8:
		a := new(withPairs[Request, [8]HeaderField])
		return &a.frame, a.pairs[:0]
	case n <= 12:
		a := new(withPairs[Request, [12]HeaderField])
		return &a.frame, a.pairs[:0]
	case n <= 16:
		a := new(withPairs[Request, [16]HeaderField])
		return &a.frame, a.pairs[:0]
	}
	return new(Request), make(Header, 0, n)
}

// newResponse is newRequest for a Response; responses seldom carry more
// than a few pairs.
func newResponse(n int) (*Response, Header) {
	switch {
	case n == 0:
		return new(Response), nil
	case n == 1:
		a := new(withPairs[Response, [1]HeaderField])
		return &a.frame, a.pairs[:0]
	case n == 2:
		a := new(withPairs[Response, [2]HeaderField])
		return &a.frame, a.pairs[:0]
	case n <= 4:
		a := new(withPairs[Response, [4]HeaderField])
		return &a.frame, a.pairs[:0]
	}
	return new(Response), make(Header, 0, n)
}

// internClass avoids allocating the common SOFARPC class names.
func internClass(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case string(b) == ClassSofaRequest:
		return ClassSofaRequest
	case string(b) == ClassSofaResponse:
		return ClassSofaResponse
	}
	return string(b)
}

// isFrameError reports whether err came from malformed input rather than
// from the transport.
func isFrameError(err error) bool {
	for _, e := range []error{ErrUnknownProtocol, ErrUnknownType, ErrUnknownCmdCode,
		ErrFrameTooLarge, ErrBadLength, ErrBadHeader, ErrChecksum} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
