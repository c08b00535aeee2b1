// Package exampletest checks that an example program writes its logs
// where the environment says: the -dir flag when given, else
// $SOFA_TRACER_LOG_DIR, else $SOFA_TRACER_LOGGING_PATH/tracelog, else
// ./logs/tracelog. The example's test binary runs the example's main in a
// child process, with a clean environment and working directory.
package exampletest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const runMain = "SOFA_EXAMPLETEST_RUN_MAIN"

// Main is the example's TestMain: in the child process started by
// CheckLogDirs it runs the example's main and exits; otherwise it runs the
// tests.
func Main(m *testing.M, main func()) {
	if os.Getenv(runMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// CheckLogDirs runs the example (the current test binary, through Main)
// once per rule and fails unless every one of files is in the directory the
// rule names, and none is in the directories of the other settings.
func CheckLogDirs(t *testing.T, files ...string) {
	cases := []struct {
		name string
		env  func(root string) []string
		args func(root string) []string
		want func(root string) string
	}{
		{
			name: "neither variable: ./logs/tracelog",
			want: func(root string) string { return filepath.Join(root, "cwd", "logs", "tracelog") },
		},
		{
			name: "SOFA_TRACER_LOGGING_PATH: <root>/tracelog",
			env:  func(root string) []string { return []string{"SOFA_TRACER_LOGGING_PATH=" + filepath.Join(root, "path")} },
			want: func(root string) string { return filepath.Join(root, "path", "tracelog") },
		},
		{
			name: "SOFA_TRACER_LOG_DIR",
			env:  func(root string) []string { return []string{"SOFA_TRACER_LOG_DIR=" + filepath.Join(root, "dir")} },
			want: func(root string) string { return filepath.Join(root, "dir") },
		},
		{
			name: "SOFA_TRACER_LOG_DIR wins over SOFA_TRACER_LOGGING_PATH",
			env: func(root string) []string {
				return []string{"SOFA_TRACER_LOGGING_PATH=" + filepath.Join(root, "path"), "SOFA_TRACER_LOG_DIR=" + filepath.Join(root, "dir")}
			},
			want: func(root string) string { return filepath.Join(root, "dir") },
		},
		{
			name: "-dir wins over both",
			env: func(root string) []string {
				return []string{"SOFA_TRACER_LOGGING_PATH=" + filepath.Join(root, "path"), "SOFA_TRACER_LOG_DIR=" + filepath.Join(root, "dir")}
			},
			args: func(root string) []string { return []string{"-dir", filepath.Join(root, "flag")} },
			want: func(root string) string { return filepath.Join(root, "flag") },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			cwd := filepath.Join(root, "cwd")
			if err := os.Mkdir(cwd, 0o755); err != nil {
				t.Fatal(err)
			}
			var args []string
			if c.args != nil {
				args = c.args(root)
			}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Dir = cwd
			cmd.Env = append(cleanEnv(), runMain+"=1", "HOME="+filepath.Join(root, "home"))
			if c.env != nil {
				cmd.Env = append(cmd.Env, c.env(root)...)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("example failed: %v\n%s", err, out)
			}
			want := c.want(root)
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(want, f)); err != nil {
					t.Errorf("%s not in %s: %v\noutput:\n%s", f, want, err, out)
				}
			}
			for _, other := range []string{
				filepath.Join(root, "cwd", "logs", "tracelog"), filepath.Join(root, "path", "tracelog"),
				filepath.Join(root, "dir"), filepath.Join(root, "flag"), filepath.Join(root, "home", "logs", "tracelog"),
			} {
				if other == want {
					continue
				}
				if _, err := os.Stat(other); err == nil {
					t.Errorf("%s exists; only %s should have been written", other, want)
				}
			}
		})
	}
}

// cleanEnv is the environment without SOFA_TRACER_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SOFA_TRACER_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return env
}
