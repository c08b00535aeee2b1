package main

import (
	"testing"

	"github.com/sofatracer/sofatracer-go/examples/internal/exampletest"
)

func TestMain(m *testing.M) { exampletest.Main(m, main) }

// The quickstart writes to -dir, else $SOFA_TRACER_LOG_DIR, else
// $SOFA_TRACER_LOGGING_PATH/tracelog, else ./logs/tracelog.
func TestLogDirFollowsTheEnvironment(t *testing.T) {
	exampletest.CheckLogDirs(t, "biz-digest.log", "biz-stat.log", "static-info.log", "tracer-self.log")
}
