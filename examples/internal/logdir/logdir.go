// Package logdir holds the one rule every example follows for where its
// log files go, so that `SOFA_TRACER_LOGGING_PATH=/x go run ./examples/...`
// does what the configuration table says.
package logdir

import (
	"os"
	"path/filepath"
	"strings"
)

// Dir returns the directory to pass to tracer.WithLogDir: flagDir (the
// example's -dir flag) when given; "" when SOFA_TRACER_LOG_DIR or
// SOFA_TRACER_LOGGING_PATH is set, so that tracer.New reads them; else
// ./logs/tracelog, beside the example rather than in the home directory.
func Dir(flagDir string) string {
	if flagDir != "" || strings.TrimSpace(os.Getenv("SOFA_TRACER_LOG_DIR")) != "" ||
		strings.TrimSpace(os.Getenv("SOFA_TRACER_LOGGING_PATH")) != "" {
		return flagDir
	}
	return filepath.Join("logs", "tracelog")
}
