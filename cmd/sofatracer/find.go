package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logline"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
)

// whereFlags collects --where key=value.
type whereFlags []logline.KV

// String shows the pairs (flag.Value).
func (w *whereFlags) String() string { return fmt.Sprint(*w) }

// Set adds one key=value (flag.Value).
func (w *whereFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*w = append(*w, logline.KV{Key: k, Value: val})
	return nil
}

// queryFlags are the search filters shared by find and serve.
type queryFlags struct {
	service, operation, since, from, to string
	errOnly                             bool
	minTrace, minSpan                   time.Duration
	where                               whereFlags
	limit                               int
}

func (q *queryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&q.service, "service", "", "a span of this service (local.app)")
	fs.StringVar(&q.operation, "operation", "", "a span whose operation contains this")
	fs.StringVar(&q.since, "since", "", "traces that started within this duration before now (e.g. 15m)")
	fs.StringVar(&q.from, "from", "", "traces that started at or after this time (2006-01-02 15:04:05[.000], RFC 3339 or epoch ms)")
	fs.StringVar(&q.to, "to", "", "traces that started at or before this time")
	fs.BoolVar(&q.errOnly, "error", false, "traces with a failed span")
	fs.DurationVar(&q.minTrace, "min-trace-duration", 0, "traces at least this long (first start to last end)")
	fs.DurationVar(&q.minSpan, "min-span-duration", 0, "a span at least this long (with --service/--operation: that span)")
	fs.Var(&q.where, "where", "key=value: a span with this field or baggage item (repeatable)")
	fs.IntVar(&q.limit, "limit", 20, "at most this many traces (0: all)")
}

func (q *queryFlags) query(now time.Time) (logs.Query, error) {
	out := logs.Query{Service: q.service, Operation: q.operation, Error: q.errOnly,
		MinTraceMs: q.minTrace.Milliseconds(), MinSpanMs: q.minSpan.Milliseconds(), Where: q.where, Limit: q.limit}
	var err error
	if q.since != "" {
		d, e := time.ParseDuration(q.since)
		if e != nil || d <= 0 {
			return out, fmt.Errorf("--since %q: want a positive duration like 15m", q.since)
		}
		out.FromMs = now.Add(-d).UnixMilli()
	}
	if q.from != "" {
		if out.FromMs, err = logs.ParseWhen(q.from); err != nil {
			return out, fmt.Errorf("--from: %w", err)
		}
	}
	if q.to != "" {
		if out.ToMs, err = logs.ParseWhen(q.to); err != nil {
			return out, fmt.Errorf("--to: %w", err)
		}
	}
	return out, nil
}

func cmdFind(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("find", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := formatFlag(fs)
	var qf queryFlags
	qf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	q, err := qf.query(time.Now())
	if err != nil {
		return err
	}
	files, err := inputs(pos)
	if err != nil {
		return err
	}
	x := logs.NewIndex()
	x.AddFiles(files, false)
	x.Compact()
	reportCounts(stderr, &x.C)
	found := x.Find(q)
	if *format == "json" {
		if found == nil {
			found = []logs.Summary{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(found)
	}
	if len(found) == 0 {
		fmt.Fprintln(stdout, "no trace matches")
		return nil
	}
	fmt.Fprintf(stdout, "%-34s  %-23s  %8s  %5s  %-5s  %s\n", "TRACE", "START", "DURATION", "SPANS", "ERROR", "ROOT / SERVICES")
	for _, s := range found {
		e := ""
		if s.Error {
			e = "yes"
		}
		fmt.Fprintf(stdout, "%-34s  %-23s  %6dms  %5d  %-5s  %s  [%s]\n", clean(s.TraceID), fmtTime(s.StartMs), s.DurationMs, s.Spans, e,
			clip(clean(s.Root), 50), clean(strings.Join(s.Services, ", ")))
	}
	return nil
}
