package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/rebuild"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

func cmdTrace(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := formatFlag(fs)
	corrected := fs.Bool("corrected", false, "text: draw the skew-corrected times")
	width := fs.Int("width", 40, "text: width of the duration bars")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "usage: sofatracer trace <traceId> [PATH...]")
		return errUsage
	}
	id := pos[0]
	files, err := inputs(pos[1:])
	if err != nil {
		return err
	}
	var c logs.Counts
	spans, links := logs.Lookup(files, id, &c)
	reportCounts(stderr, &c)
	if len(spans) == 0 {
		return fmt.Errorf("trace %s: no span in %d files", id, len(files))
	}
	t := rebuild.Build(id, spans, links)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(t)
	}
	writeWaterfall(stdout, t, *corrected, *width)
	return nil
}

// inputs expands the PATH arguments (or the default log directory).
func inputs(args []string) ([]source.File, error) {
	if len(args) == 0 {
		args = source.DefaultInputs()
	}
	return source.Expand(args)
}

func reportCounts(w io.Writer, c *logs.Counts) {
	if n := c.Corrupt.Load(); n > 0 {
		fmt.Fprintf(w, "sofatracer: skipped %d corrupt or truncated lines\n", n)
	}
	if n := c.Long.Load(); n > 0 {
		fmt.Fprintf(w, "sofatracer: skipped %d lines longer than %d bytes\n", n, source.MaxLine)
	}
	if n := c.Errors.Load(); n > 0 {
		fmt.Fprintf(w, "sofatracer: %d files could not be read\n", n)
	}
}

// clean makes a log value safe to print on a terminal: control and
// escape characters become U+FFFD.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func fmtTime(ms int64) string { return time.UnixMilli(ms).Format("2006-01-02 15:04:05.000") }

func writeWaterfall(w io.Writer, t *rebuild.Trace, corrected bool, width int) {
	width = max(10, min(width, 200))
	var notes []string
	if t.Error {
		notes = append(notes, "errors")
	}
	if t.Missing > 0 {
		notes = append(notes, fmt.Sprintf("%d missing", t.Missing))
	}
	if t.Skew {
		notes = append(notes, "clock skew (--corrected to adjust)")
	}
	fmt.Fprintf(w, "trace %s  %s  %d spans  %d services  %d ms  %s\n", clean(t.TraceID), fmtTime(t.StartMs),
		len(t.Spans)-t.Missing, len(t.Services), t.DurationMs, strings.Join(notes, ", "))
	start, end := t.StartMs, t.StartMs+t.DurationMs
	if corrected {
		start, end = t.Spans[0].StartMs+t.Spans[0].ShiftMs, t.Spans[0].EndMs+t.Spans[0].ShiftMs
	}
	for _, s := range t.Spans {
		a, b := s.StartMs, s.EndMs
		if corrected {
			a, b = a+s.ShiftMs, b+s.ShiftMs
		}
		start, end = min(start, a), max(end, b)
	}
	total := max(end-start, 1)
	idW, svcW, opW := 6, 7, 9
	for _, s := range t.Spans {
		idW = max(idW, min(2*s.Depth+len(s.SpanID), 40))
		svcW = max(svcW, min(len(s.Service), 20))
		opW = max(opW, min(utf8.RuneCountInString(s.Operation), 40))
	}
	fmt.Fprintf(w, "%-*s  %-*s  %-6s  %-*s  %-5s  %8s  %s\n", idW, "SPAN", svcW, "SERVICE", "KIND", opW, "OPERATION", "CODE", "DURATION", "TIMELINE")
	for _, s := range t.Spans {
		a, b := s.StartMs, s.EndMs
		if corrected {
			a, b = a+s.ShiftMs, b+s.ShiftMs
		}
		from := int((a - start) * int64(width) / total)
		to := int((b - start) * int64(width) / total)
		to = max(to, from+1)
		ch := "█"
		switch {
		case s.Missing:
			ch = "░"
		case s.Error:
			ch = "▓"
		}
		bar := strings.Repeat(" ", min(from, width)) + strings.Repeat(ch, max(0, min(to, width)-min(from, width)))
		mark := ""
		switch {
		case s.Missing:
			mark = " missing"
		case s.Error:
			mark = " ERROR " + clip(clean(s.ErrorText), 40)
		}
		if s.Skew {
			mark += fmt.Sprintf(" skew %dms", s.SkewMs)
		}
		if corrected && s.ShiftMs != 0 {
			mark += fmt.Sprintf(" shifted %+dms", s.ShiftMs)
		}
		if s.Restart {
			mark += " (restarted past depth 100: trace " + clean(s.TraceID) + ")"
		}
		dur := fmt.Sprintf("%dms", s.DurationMs)
		if s.Missing {
			dur = "?"
		}
		id := strings.Repeat("  ", s.Depth) + clean(s.SpanID)
		fmt.Fprintf(w, "%-*s  %-*s  %-6s  %-*s  %-5s  %8s  |%-*s|%s\n", idW, clip(id, 40), svcW, clip(clean(s.Service), 20),
			clip(clean(s.Kind), 6), opW, clip(clean(s.Operation), 40), clip(clean(s.Result), 5), dur, width, bar, mark)
	}
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
