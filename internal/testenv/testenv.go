// Package testenv gives the tests of every module the addresses of the
// servers that tools/services/run.sh starts.
package testenv

import (
	"os"
	"testing"
)

// Server returns the value of the environment variable name, which
// `eval "$(bash tools/services/run.sh start)"` exports for a server a test
// needs. Without it the test is skipped, or fails when
// SOFA_TEST_REQUIRED=1 (as `make test` sets it), so that CI never skips.
func Server(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		msg := name + ` is not set: start the servers with eval "$(bash tools/services/run.sh start)"`
		if os.Getenv("SOFA_TEST_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return v
}
