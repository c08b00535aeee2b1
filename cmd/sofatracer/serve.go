package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/web"
)

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := formatFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8411", "listen address; loopback unless you mean otherwise")
	poll := fs.Duration("poll", 500*time.Millisecond, "how often growing and rotated files are read")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if len(pos) == 0 {
		pos = source.DefaultInputs()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return serve(ctx, *addr, *poll, pos, *format, stdout, stderr)
}

// serve indexes the inputs, listens, announces the URL and serves until
// ctx ends.
func serve(ctx context.Context, addr string, poll time.Duration, inputs []string, format string, stdout, stderr io.Writer) error {
	idx := logs.NewIndex()
	srv := web.New(idx, inputs)
	start := time.Now()
	if err := srv.Load(); err != nil {
		return err
	}
	reportCounts(stderr, &idx.C)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	nt, ns := idx.Len()
	url := "http://" + ln.Addr().String() + "/"
	if format == "json" {
		json.NewEncoder(stdout).Encode(map[string]any{"url": url, "traces": nt, "spans": ns, "indexMs": time.Since(start).Milliseconds()})
	} else {
		fmt.Fprintf(stdout, "sofatracer: %d traces, %d spans indexed in %v; serving %s\n", nt, ns, time.Since(start).Round(time.Millisecond), url)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go srv.Follow(ctx, poll)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
