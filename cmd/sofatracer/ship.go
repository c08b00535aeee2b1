package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/ship"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

func cmdShip(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ship", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := formatFlag(fs)
	var o ship.Options
	fs.StringVar(&o.Zipkin, "zipkin", "", "Zipkin v2 collector base URL (spans go to URL/api/v2/spans)")
	fs.StringVar(&o.OTLP, "otlp", "", "OTLP/HTTP collector base URL (spans go to URL/v1/traces); --zipkin, --otlp or both")
	fs.StringVar(&o.StatePath, "state", "", "file keeping the read positions (default: under $XDG_STATE_HOME or ~/.local/state/sofatracer)")
	fs.IntVar(&o.Batch, "batch", 1000, "spans per request")
	fs.DurationVar(&o.Poll, "poll", 500*time.Millisecond, "how often the files are checked")
	fs.BoolVar(&o.Gzip, "gzip", false, "gzip request bodies")
	fs.BoolVar(&o.FromEnd, "from-end", false, "on the first run, skip what the files already hold")
	once := fs.Bool("once", false, "ship what the files hold now, then exit")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if o.Zipkin == "" && o.OTLP == "" {
		fmt.Fprintln(stderr, "usage: sofatracer ship [--zipkin URL] [--otlp URL] [PATH...]")
		return errUsage
	}
	if len(pos) == 0 {
		pos = source.DefaultInputs()
	}
	o.Inputs = pos
	if o.StatePath == "" {
		o.StatePath = defaultStatePath(o.Zipkin, o.OTLP, pos)
	}
	s, err := ship.New(o)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// The first signal stops after the answer to the request in flight; a
	// second one kills at once.
	go func() { <-ctx.Done(); stop() }()
	if *format == "text" {
		to := strings.TrimSpace(o.Zipkin + " " + o.OTLP)
		fmt.Fprintf(stderr, "sofatracer ship: %s → %s (positions in %s)\n", strings.Join(pos, " "), to, o.StatePath)
	}
	if *once {
		err = s.Pass(ctx)
	} else {
		err = s.Run(ctx)
	}
	st := map[string]int64{"sent": s.S.Sent.Load(), "lines": s.S.Lines.Load(), "corrupt": s.S.Corrupt.Load(),
		"requests": s.S.Requests.Load(), "failures": s.S.Failures.Load(), "dropped": s.S.Dropped.Load()}
	if *format == "json" {
		json.NewEncoder(stdout).Encode(st)
	} else {
		fmt.Fprintf(stdout, "sent %d spans of %d lines (%d corrupt) in %d requests, %d failed, %d spans dropped\n",
			st["sent"], st["lines"], st["corrupt"], st["requests"], st["failures"], st["dropped"])
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// defaultStatePath is one state file per collectors and inputs (a
// Zipkin-only shipper keeps the name it had before --otlp).
func defaultStatePath(zipkinURL, otlpURL string, inputs []string) string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	h := fnv.New64a()
	h.Write([]byte(zipkinURL))
	if otlpURL != "" {
		h.Write([]byte("\x00otlp\x00" + otlpURL))
	}
	for _, in := range inputs {
		abs, _ := filepath.Abs(in)
		h.Write([]byte{0})
		h.Write([]byte(abs))
	}
	return filepath.Join(dir, "sofatracer", fmt.Sprintf("ship-%016x.json", h.Sum64()))
}
