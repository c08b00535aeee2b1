package logs

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// benchDirs are the generated logs the benchmarks share, removed at the end.
var benchDirs []string

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		for _, d := range benchDirs {
			os.RemoveAll(d)
		}
		os.Exit(code)
	}))
}
