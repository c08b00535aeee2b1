// Package source finds the log files of the inputs given on the command
// line (directories, files, globs, each optionally labelled host=path),
// tells what each holds from its name, and reads its lines.
package source

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Kind is what a file holds.
type Kind uint8

// Kinds of files.
const (
	Unknown Kind = iota // a .log file of no known name: read as digest lines
	Digest
	Stat
	Self // tracer-self.log
)

// File is one log file to read.
type File struct {
	Path   string
	Host   string // the input's label, "" when none was given
	Layout string // "spring-mvc", "rpc-client", ...; "" when unknown
	Kind   Kind
	Shadow bool // under a shadow/ directory: load-test traffic
	Gzip   bool
	Rolled bool // a rolled (renamed) file, not the active one
	Base   string
}

var (
	dateSuffix  = regexp.MustCompile(`\.log\.(\d{4}-\d{2}-\d{2}(_\d{2})?|\d+)$`)
	lumberjack  = regexp.MustCompile(`-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$`)
	skipNames   = map[string]bool{"static-info.log": true, "middleware_error.log": true, "rpc-profile.log": true}
	labelPrefix = regexp.MustCompile(`^[A-Za-z0-9_.:\-\[\]]+=`)
)

// Classify tells a file's kind and layout from its name.
func Classify(name string) (f File, ok bool) {
	base := filepath.Base(name)
	if strings.HasSuffix(base, ".gz") {
		f.Gzip = true
		base = strings.TrimSuffix(base, ".gz")
	}
	if m := dateSuffix.FindStringIndex(base); m != nil {
		base = base[:m[0]] + ".log"
		f.Rolled = true
	} else if m := lumberjack.FindStringIndex(base); m != nil {
		base = base[:m[0]] + ".log"
		f.Rolled = true
	}
	if !strings.HasSuffix(base, ".log") || skipNames[base] || strings.HasSuffix(base, "-event.log") {
		return f, false
	}
	f.Base = base
	switch name := strings.TrimSuffix(base, ".log"); {
	case name == "tracer-self":
		f.Kind = Self
	case strings.HasSuffix(name, "-digest"):
		f.Kind, f.Layout = Digest, strings.TrimSuffix(name, "-digest")
	case strings.HasSuffix(name, "-stat"):
		f.Kind, f.Layout = Stat, strings.TrimSuffix(name, "-stat")
	default:
		f.Kind = Unknown
	}
	if f.Layout == "datasource" {
		f.Layout = "datasource-client"
	}
	return f, true
}

// SplitLabel splits "host=path" into its label and path.
func SplitLabel(arg string) (host, path string) {
	if m := labelPrefix.FindString(arg); m != "" {
		if _, err := os.Stat(arg); err != nil { // a file really named a=b wins
			return m[:len(m)-1], arg[len(m):]
		}
	}
	return "", arg
}

// Expand turns the command-line inputs into files: a directory is walked
// for digest, stat and tracer-self files (shadow/ included and marked), a
// glob is expanded, a file is taken as it is (even with an unknown name). Files are sorted by path, rolled
// ones before the active one of the same name.
func Expand(args []string) ([]File, error) {
	var out []File
	seen := map[string]bool{}
	add := func(host, path string, explicit bool) {
		abs, _ := filepath.Abs(path)
		if seen[abs] {
			return
		}
		f, ok := Classify(path)
		if !explicit && (!ok || f.Kind == Unknown) {
			return // in a walked directory only the tracer's own files
		}
		seen[abs] = true
		f.Path, f.Host = path, host
		for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
			if part == "shadow" {
				f.Shadow = true
			}
		}
		out = append(out, f)
	}
	for _, arg := range args {
		host, path := SplitLabel(arg)
		matches := []string{path}
		if strings.ContainsAny(path, "*?[") {
			m, err := filepath.Glob(path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches", path)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				add(host, p, true)
				continue
			}
			err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
				if err != nil {
					return nil // unreadable entries are skipped
				}
				if d.Type().IsRegular() {
					add(host, q, false)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if filepath.Dir(a.Path) != filepath.Dir(b.Path) || a.Base != b.Base {
			return a.Path < b.Path
		}
		if a.Rolled != b.Rolled {
			return a.Rolled
		}
		return a.Path < b.Path
	})
	return out, nil
}

// DefaultInputs are read when no PATH is given: $SOFA_TRACER_LOG_DIR,
// else ./logs/tracelog when it exists, else ~/logs/tracelog.
func DefaultInputs() []string {
	if d := os.Getenv("SOFA_TRACER_LOG_DIR"); d != "" {
		return []string{d}
	}
	if d := os.Getenv("SOFA_TRACER_LOGGING_PATH"); d != "" {
		return []string{filepath.Join(d, "tracelog")}
	}
	if st, err := os.Stat(filepath.Join("logs", "tracelog")); err == nil && st.IsDir() {
		return []string{filepath.Join("logs", "tracelog")}
	}
	home, _ := os.UserHomeDir()
	return []string{filepath.Join(home, "logs", "tracelog")}
}
