package propagation

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/opentracing/opentracing-go"

	"github.com/sofatracer/sofatracer-go/span"
)

// The binary form is SOFATracer's: the bytes of "sftc_head", a big-endian
// int32 length, then the serialized context in UTF-8.
func injectBinary(sc *span.Context, carrier any) error {
	w, ok := carrier.(io.Writer)
	if !ok {
		return opentracing.ErrInvalidCarrier
	}
	buf := make([]byte, 0, 128)
	buf = append(buf, HeadKey...)
	buf = append(buf, 0, 0, 0, 0)
	buf = AppendSerialized(buf, sc)
	binary.BigEndian.PutUint32(buf[len(HeadKey):], uint32(len(buf)-len(HeadKey)-4))
	_, err := w.Write(buf)
	return err
}

var errBinaryLength = errors.New("bad length")

func extractBinary(carrier any, lim Limits) (*span.Context, Result, error) {
	r, ok := carrier.(io.Reader)
	if !ok {
		return nil, Result{}, opentracing.ErrInvalidCarrier
	}
	// Read at most MaxCarrierSize+1 bytes: a larger carrier is refused
	// without reading or allocating more.
	data, err := io.ReadAll(io.LimitReader(r, int64(lim.MaxCarrierSize)+1))
	if err != nil {
		return nil, Result{}, err
	}
	if len(data) > lim.MaxCarrierSize {
		return nil, Result{}, corrupt("binary", errTooLarge)
	}
	i := bytes.Index(data, []byte(HeadKey))
	if i < 0 {
		return nil, Result{}, opentracing.ErrSpanContextNotFound
	}
	data = data[i+len(HeadKey):]
	if len(data) < 4 {
		return nil, Result{}, corrupt("binary", errBinaryLength)
	}
	n := int64(int32(binary.BigEndian.Uint32(data)))
	data = data[4:]
	if n < 0 || n > int64(len(data)) {
		return nil, Result{}, corrupt("binary", errBinaryLength)
	}
	return Parse(string(data[:n]), lim)
}
