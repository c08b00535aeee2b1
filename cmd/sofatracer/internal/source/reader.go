package source

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
)

// Open opens a file for reading, decompressing gzip.
func Open(f File) (io.ReadCloser, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	if !f.Gzip {
		return fh, nil
	}
	zr, err := gzip.NewReader(fh)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, fh}, nil
}

// MaxLine is the longest line kept; longer ones are skipped and counted.
const MaxLine = 4 << 20

// Reader yields lines with their offsets, without the line ending (\n or
// \r\n). A JSON record that Java's unescaped writer broke over several
// physical lines (a raw newline in a value) is joined back with "\n".
type Reader struct {
	r          io.Reader
	buf        []byte
	start, end int
	off        int64 // offset of buf[start]
	eof        bool
	err        error
	join       []byte
	Long       int // lines skipped for being longer than MaxLine
	// Follow holds back a last line without a line ending: a writer may
	// still be writing it (tail mode).
	Follow bool
}

// NewReader reads r, whose first byte is at offset off.
func NewReader(r io.Reader, off int64) *Reader {
	return &Reader{r: r, buf: make([]byte, 1<<20), off: off}
}

// fill reads more; it may move the buffered data.
func (r *Reader) fill() bool {
	if r.eof {
		return false
	}
	if r.start > 0 && r.end == len(r.buf) || r.start > len(r.buf)/2 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= MaxLine*2 {
			return false
		}
		nb := make([]byte, len(r.buf)*2)
		copy(nb, r.buf[r.start:r.end])
		r.end -= r.start
		r.start = 0
		r.buf = nb
	}
	n, err := r.r.Read(r.buf[r.end:])
	r.end += n
	if err != nil {
		r.eof = true
		if !errors.Is(err, io.EOF) {
			r.err = err
		}
	}
	return true
}

// physical returns the next physical line (valid until the next call).
func (r *Reader) physical() ([]byte, int64, bool) {
	for {
		if i := bytes.IndexByte(r.buf[r.start:r.end], '\n'); i >= 0 {
			line := r.buf[r.start : r.start+i]
			off := r.off
			r.start += i + 1
			r.off += int64(i + 1)
			return trimCR(line), off, true
		}
		if r.end-r.start >= MaxLine {
			// skip to the next newline
			r.Long++
			for {
				r.off += int64(r.end - r.start)
				r.start = r.end
				if !r.fill() {
					return nil, 0, false
				}
				if i := bytes.IndexByte(r.buf[r.start:r.end], '\n'); i >= 0 {
					r.start += i + 1
					r.off += int64(i + 1)
					break
				}
			}
			continue
		}
		if !r.fill() {
			if r.start < r.end && !r.Follow { // last line without newline
				line := r.buf[r.start:r.end]
				off := r.off
				r.off += int64(r.end - r.start)
				r.start = r.end
				return trimCR(line), off, true
			}
			return nil, 0, false
		}
	}
}

// peek returns the first byte of the next physical line.
func (r *Reader) peek() (byte, bool) {
	for r.start >= r.end {
		if !r.fill() {
			return 0, false
		}
	}
	return r.buf[r.start], true
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// Next returns the next line and its offset; ok is false at the end.
func (r *Reader) Next() (line []byte, off int64, ok bool) {
	line, off, ok = r.physical()
	if !ok || len(line) == 0 || line[0] != '{' || line[len(line)-1] == '}' {
		return line, off, ok
	}
	r.join = append(r.join[:0], line...)
	for n := 0; n < 64 && len(r.join) < MaxLine; n++ {
		c, more := r.peek()
		if !more || c == '{' || c == '\n' || c == '\r' {
			break
		}
		next, _, _ := r.physical()
		r.join = append(append(r.join, '\n'), next...)
		if len(next) > 0 && next[len(next)-1] == '}' {
			break
		}
	}
	return r.join, off, true
}

// Offset is the offset after the last line returned.
func (r *Reader) Offset() int64 { return r.off }

// Err is the read error that ended the lines, if any.
func (r *Reader) Err() error { return r.err }
