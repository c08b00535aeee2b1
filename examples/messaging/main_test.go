package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/internal/testenv"
)

var traceRE = regexp.MustCompile(`"traceId":"([^"]+)"`)

// runDemo runs the program and checks that every digest line it printed
// and every consumer saw one trace.
func runDemo(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(args, &out); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	ids := map[string]bool{}
	for _, m := range traceRE.FindAllStringSubmatch(out.String(), -1) {
		ids[m[1]] = true
	}
	want, consumers := 3, 1 // digest lines, consumers
	if strings.Contains(strings.Join(args, " "), "-amqp") {
		want, consumers = 5, 2
	}
	if n := len(traceRE.FindAllString(out.String(), -1)); n != want || len(ids) != 1 {
		t.Fatalf("%d digest lines in %d traces, want %d lines in one:\n%s", n, len(ids), want, out.String())
	}
	for id := range ids {
		if c := strings.Count(out.String(), "processed in trace "+id); c != consumers {
			t.Errorf("%d consumers saw trace %s:\n%s", c, id, out.String())
		}
	}
	return out.String()
}

func TestDemoKafka(t *testing.T) {
	dir := t.TempDir()
	runDemo(t, "-dir", dir)
	for _, f := range []string{"http-server-digest.log", "kafkamq-send-digest.log", "kafkamq-consume-digest.log", "kafkamq-consume-stat.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestDemoRabbitMQ(t *testing.T) {
	url := testenv.Server(t, "SOFA_TEST_RABBITMQ_URL")
	runDemo(t, "-dir", t.TempDir(), "-amqp", url)
}

// TestDemoLogDirEnv: SOFA_TRACER_LOG_DIR is used without -dir, and -dir
// wins over it.
func TestDemoLogDirEnv(t *testing.T) {
	env, flagDir := t.TempDir(), t.TempDir()
	t.Setenv("SOFA_TRACER_LOG_DIR", env)
	if out := runDemo(t); !strings.Contains(out, filepath.Join(env, "kafkamq-send-digest.log")) {
		t.Errorf("SOFA_TRACER_LOG_DIR not used:\n%s", out)
	}
	if out := runDemo(t, "-dir", flagDir); !strings.Contains(out, filepath.Join(flagDir, "kafkamq-send-digest.log")) {
		t.Errorf("-dir does not win:\n%s", out)
	}
}
