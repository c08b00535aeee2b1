package main

import (
	"testing"

	"github.com/sofatracer/sofatracer-go/examples/internal/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m, main) }

// The example writes to -dir, else $SOFA_TRACER_LOG_DIR, else
// $SOFA_TRACER_LOGGING_PATH/tracelog, else ./logs/tracelog.
func TestLogDirFollowsTheEnvironment(t *testing.T) {
	exampletest.CheckLogDirs(t, "http-client-digest.log", "http-server-digest.log", "rpc-client-digest.log", "rpc-server-digest.log")
}
