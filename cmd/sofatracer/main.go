// Command sofatracer shows whole traces straight from SOFATracer digest
// logs of many services (Go and Java, JSON and plain, rolled and gzipped):
// in the terminal, as JSON for scripts, and in a browser; and ships the
// logs' spans to a Zipkin-compatible collector.
//
//	sofatracer trace <traceId> [PATH...]   the trace as a waterfall
//	sofatracer find [flags] [PATH...]      traces that match, newest first
//	sofatracer stat [PATH...]              calls, errors, mean cost per stat key
//	sofatracer serve [--addr 127.0.0.1:8411] [PATH...]   the web UI
//	sofatracer ship [--zipkin URL] [--otlp URL] [PATH...]   follow the logs, send their spans
//
// A PATH is a directory (walked, shadow/ included), a file or a glob, and
// may be labelled host=PATH. Without PATH: $SOFA_TRACER_LOG_DIR, else
// ./logs/tracelog, else ~/logs/tracelog. Every command takes
// --format json. See docs/sofatracer-command.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

var errUsage = errors.New("usage")

const usage = `usage: sofatracer <command> [flags] [PATH...]

commands:
  trace <traceId> [PATH...]   show one trace as a waterfall
  find [PATH...]              find traces (--service, --operation, --since, --from, --to,
                              --error, --min-trace-duration, --min-span-duration,
                              --where key=value, --limit)
  stat [PATH...]              calls, error rate and mean cost per stat key and interval
  serve [PATH...]             web UI (--addr, default 127.0.0.1:8411)
  ship [PATH...]              send the spans of followed digest logs to collectors
                              (--zipkin URL, --otlp URL, or both)

every command takes --format text|json. PATH: dir, file or glob, optionally host=PATH.
`

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"trace": cmdTrace,
		"find":  cmdFind,
		"stat":  cmdStat,
		"serve": cmdServe,
		"ship":  cmdShip,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
			fmt.Fprintf(stderr, "sofatracer: unknown command %q\n", args[0])
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err := cmd(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintf(stderr, "sofatracer %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// parse parses flags that may come before, between or after the
// positional arguments, which it returns.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// formatFlag adds --format.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "text", "output: text or json")
}

func checkFormat(f string) error {
	if f != "text" && f != "json" {
		return fmt.Errorf("--format %q: want text or json", f)
	}
	return nil
}
