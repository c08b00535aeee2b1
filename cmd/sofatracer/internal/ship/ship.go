// Package ship follows digest logs and sends their spans to a Zipkin v2
// collector. It remembers, per file (by device and inode, so a rotated
// file keeps its place), the offset after the last line the collector
// accepted, and saves it after every accepted batch: a restart resumes
// there, so no line is lost. A stop waits for the answer to the request in
// flight, so a clean stop and restart sends no line twice; a crash or a
// request without an answer (timeout, broken connection) may send that
// batch again, as Zipkin's API has no way to ask what it already stored.
// A collector that is down is retried with backoff while the lines wait
// in the files.
package ship

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
	"github.com/sofatracer/sofatracer-go/reporter/zipkin"
)

// Options configure a Shipper.
type Options struct {
	Inputs     []string      // PATH arguments: directories, files, globs
	Zipkin     string        // the collector's base URL; spans go to <URL>/api/v2/spans
	StatePath  string        // where positions are saved
	Batch      int           // spans per request (default 1000)
	Poll       time.Duration // how often files are checked (default 500ms)
	Gzip       bool          // compress request bodies
	FromEnd    bool          // files first seen start at their end, not their start
	Client     *http.Client  // default: 10 s timeout, which also bounds how long a stop waits for an answer
	MaxBackoff time.Duration // longest wait between failed requests (default 5s)
}

// Stats count what a Shipper did.
type Stats struct {
	Sent, Lines, Corrupt, Requests, Failures atomic.Int64
}

// Shipper follows files and sends their spans.
type Shipper struct {
	o     Options
	url   string
	state map[string]*position // by fileKey
	// missing are the keys of state that the last listing did not show:
	// one listing can miss a file being renamed, so a key is forgotten
	// only when two listings in a row miss it.
	missing map[string]bool
	first   bool // no saved state yet
	enc     encoder
	S       Stats
}

// position is where a file was read up to, and what was sent.
type position struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
}

// New loads the saved positions.
func New(o Options) (*Shipper, error) {
	if o.Zipkin == "" {
		return nil, errors.New("ship: no collector URL")
	}
	if o.StatePath == "" {
		return nil, errors.New("ship: no state file")
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Shipper{o: o, url: strings.TrimRight(o.Zipkin, "/") + zipkin.SpansPath, state: map[string]*position{}, missing: map[string]bool{}}
	data, err := os.ReadFile(o.StatePath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.first = true
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &s.state); err != nil {
			return nil, fmt.Errorf("ship: state file %s: %w", o.StatePath, err)
		}
	}
	return s, nil
}

// Run ships until ctx ends, then saves the positions durably.
func (s *Shipper) Run(ctx context.Context) error {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return s.write(true)
		case <-t.C:
		}
	}
}

// pending is a batch being built: its body and the offsets it reaches.
type pending struct {
	body  []byte
	n     int
	reach map[string]int64
}

// Pass reads every file once from its position and sends what it finds.
func (s *Shipper) Pass(ctx context.Context) error {
	files, err := source.Expand(s.o.Inputs)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	b := &pending{body: []byte{'['}, reach: map[string]int64{}}
	for _, f := range files {
		if f.Gzip || (f.Kind != source.Digest && f.Kind != source.Unknown) {
			continue // a compressed file was shipped before it was compressed
		}
		if err := s.readFile(ctx, f, live, b); err != nil {
			return err
		}
	}
	if err := s.flush(ctx, b); err != nil {
		return err
	}
	for k := range s.state {
		switch {
		case live[k]:
			delete(s.missing, k)
		case s.missing[k]: // deleted by retention
			delete(s.state, k)
			delete(s.missing, k)
		default: // deleted, or renamed while listed: look again next pass
			s.missing[k] = true
		}
	}
	s.first = false
	return s.save()
}

// readFile reads f from its position into b. The file is known by the
// open descriptor's device and inode, not its name's: the name may have
// been given to a new file since the listing (a rotation).
func (s *Shipper) readFile(ctx context.Context, f source.File, live map[string]bool, b *pending) error {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil
	}
	k := fileKey(fi, f.Path)
	if live[k] {
		return nil // listed twice (renamed while listed): read to its end already
	}
	live[k] = true
	pos, ok := s.state[k]
	if !ok {
		pos = &position{}
		if s.first && s.o.FromEnd {
			pos.Offset = fi.Size()
		}
		s.state[k] = pos
	}
	pos.Path = f.Path
	if fi.Size() < pos.Offset { // truncated or a reused inode
		pos.Offset = 0
	}
	if fi.Size() == pos.Offset {
		return nil
	}
	off := pos.Offset
	if _, err := fh.Seek(off, io.SeekStart); err != nil {
		return nil
	}
	rd := source.NewReader(fh, off)
	rd.Follow = true
	for {
		line, _, ok := rd.Next()
		if !ok {
			break
		}
		if len(line) == 0 {
			b.reach[k] = rd.Offset()
			continue
		}
		s.S.Lines.Add(1)
		if b.n > 0 {
			b.body = append(b.body, ',')
		}
		var good bool
		if b.body, good = s.enc.appendSpan(b.body, line, f.Layout); good {
			b.n++
		} else {
			s.S.Corrupt.Add(1)
			if b.n > 0 {
				b.body = b.body[:len(b.body)-1]
			}
		}
		b.reach[k] = rd.Offset()
		if b.n >= s.o.Batch {
			if err := s.flush(ctx, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush sends the batch until the collector accepts it, then moves the
// positions past it and saves them. Once a request is sent, the end of
// ctx does not abandon it: the collector may already have stored the
// spans, so its answer (or the client's timeout) is awaited, and an
// accepted batch moves the positions even while stopping. No new attempt
// starts after ctx ends.
func (s *Shipper) flush(ctx context.Context, b *pending) error {
	if b.n > 0 {
		body := append(b.body, ']')
		backoff := 100 * time.Millisecond
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := s.post(context.WithoutCancel(ctx), body)
			if err == nil {
				break
			}
			s.S.Failures.Add(1)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, s.o.MaxBackoff)
		}
		s.S.Sent.Add(int64(b.n))
	}
	for k, off := range b.reach {
		s.state[k].Offset = off
	}
	if len(b.reach) > 0 {
		if err := s.save(); err != nil {
			return err
		}
	}
	b.body, b.n = append(b.body[:0], '['), 0
	clear(b.reach)
	return nil
}

func (s *Shipper) post(ctx context.Context, body []byte) error {
	s.S.Requests.Add(1)
	var rd io.Reader = bytes.NewReader(body)
	if s.o.Gzip {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(body)
		w.Close()
		rd = &z
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.o.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", s.url, resp.Status)
	}
	return nil
}

// save writes the positions atomically (temporary file, rename). It does
// not fsync after every batch, which would cost more than the batch: a
// process that crashes leaves the last positions in the page cache, only
// a machine that crashes may send its last batches again. Run syncs once
// when it ends.
func (s *Shipper) save() error { return s.write(false) }

func (s *Shipper) write(sync bool) error {
	data, err := json.Marshal(s.state)
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.o.StatePath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".ship-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.o.StatePath)
}
