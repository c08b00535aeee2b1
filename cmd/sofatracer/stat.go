package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
)

func cmdStat(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := formatFlag(fs)
	intervals := fs.Bool("intervals", false, "text: one row per interval too")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	files, err := inputs(pos)
	if err != nil {
		return err
	}
	var c logs.Counts
	series := logs.ReadStats(files, &c)
	reportCounts(stderr, &c)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(series)
	}
	if len(series) == 0 {
		fmt.Fprintln(stdout, "no stat lines")
		return nil
	}
	fmt.Fprintf(stdout, "%-18s  %8s  %7s  %9s  %s\n", "LAYOUT", "CALLS", "ERRORS", "MEAN", "KEY")
	for _, s := range series {
		lt := ""
		if s.LoadTest {
			lt = " (load test)"
		}
		fmt.Fprintf(stdout, "%-18s  %8d  %6.1f%%  %7.1fms  %s%s\n", clean(s.Layout), s.Calls, 100*s.ErrorRate, s.MeanMs, clean(s.KeyText()), lt)
		if *intervals {
			for _, iv := range s.Intervals {
				fmt.Fprintf(stdout, "  %s  %8d  %6.1f%%  %7.1fms\n", fmtTime(iv.TimeMs), iv.Calls, 100*iv.ErrorRate, iv.MeanMs)
			}
		}
	}
	return nil
}
