package web

import (
	"context"
	"os"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// follower keeps reading files as they grow and rotate. A file is known
// by its identity (device and inode), so a renamed (rolled) file keeps its
// offset and is read to its end, and the new active file is read from 0.
type follower struct {
	files map[fileKey]*followed
}

type followed struct {
	n    int // number in the index
	off  int64
	path string
	gz   bool
}

// Load indexes every input file and remembers where each ends.
func (s *Server) Load() error {
	files, err := source.Expand(s.inputs)
	if err != nil {
		return err
	}
	s.tail = &follower{files: map[fileKey]*followed{}}
	base := len(s.idx.Files())
	ends := s.idx.AddFiles(files, true)
	s.idx.Compact()
	for i, f := range files {
		fi, err := os.Stat(f.Path)
		if err != nil {
			continue
		}
		s.tail.files[keyOf(fi, f.Path)] = &followed{n: base + i, off: ends[i], path: f.Path, gz: f.Gzip}
	}
	return nil
}

// Follow polls the inputs every interval until ctx ends.
func (s *Server) Follow(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Poll()
		}
	}
}

// Poll reads what was written since the last poll.
func (s *Server) Poll() {
	files, err := source.Expand(s.inputs)
	if err != nil {
		return
	}
	for _, f := range files {
		fi, err := os.Stat(f.Path)
		if err != nil {
			continue
		}
		k := keyOf(fi, f.Path)
		st, ok := s.tail.files[k]
		if !ok {
			st = &followed{n: s.idx.AddFile(f), path: f.Path, gz: f.Gzip}
			s.tail.files[k] = st
			st.off = s.idx.Tail(st.n, 0)
			continue
		}
		if st.path != f.Path { // renamed by rotation
			s.idx.SetPath(st.n, f.Path)
			st.path = f.Path
		}
		if st.gz {
			continue
		}
		if fi.Size() < st.off { // truncated in place: start again
			st.off = 0
		}
		if fi.Size() > st.off {
			st.off = s.idx.Tail(st.n, st.off)
		}
	}
}
