package bolt

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"
)

// frameWriter serializes frames from many goroutines onto one connection.
// Each frame is encoded straight into the bufio.Writer's free space (or into
// a pooled buffer when it is larger than the whole buffer), and the buffer is
// flushed by the last writer of a burst, so concurrent frames are coalesced
// into few write calls while a lone frame goes out in one write at once.
type frameWriter struct {
	waiting atomic.Int32 // writers that want the lock
	mu      sync.Mutex
	bw      *bufio.Writer
	size    int
	err     error // sticky: the connection is broken after a failed write
}

func newFrameWriter(w io.Writer, size int) *frameWriter {
	return &frameWriter{bw: bufio.NewWriterSize(w, size), size: size}
}

// write writes one frame of the given encoded size; appendFrame appends its
// encoding to a slice.
func (w *frameWriter) write(size int, appendFrame func([]byte) []byte) error {
	var big *[]byte
	var b []byte
	if size > w.size {
		big = getBuf(size)
		b = appendFrame((*big)[:0])
	}
	w.waiting.Add(1)
	w.mu.Lock()
	last := w.waiting.Add(-1) == 0
	err := w.err
	if err == nil {
		if big != nil {
			_, err = w.bw.Write(b)
		} else {
			if size > w.bw.Available() {
				err = w.bw.Flush()
			}
			if err == nil {
				_, err = w.bw.Write(appendFrame(w.bw.AvailableBuffer()))
			}
		}
		if err == nil && last {
			err = w.bw.Flush()
		}
		w.err = err
	}
	w.mu.Unlock()
	if big != nil {
		putBuf(big)
	}
	return err
}

// maxPooled is the largest buffer kept in bufPool.
const maxPooled = 1 << 20

var bufPool sync.Pool

func getBuf(size int) *[]byte {
	if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) >= size {
		return p
	}
	b := make([]byte, 0, size)
	return &b
}

func putBuf(p *[]byte) {
	if cap(*p) <= maxPooled {
		bufPool.Put(p)
	}
}
