package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatCommand(t *testing.T) {
	w := makeWorld(t)
	var series []struct {
		Layout    string
		Key       []struct{ Key, Value string }
		Calls     int64
		ErrorRate float64
		Intervals []struct{ Calls int64 }
	}
	runJSON(t, &series, append([]string{"stat", "--format", "json"}, w.inputs()...)...)
	layouts := map[string]int64{}
	for _, s := range series {
		layouts[s.Layout] += s.Calls
		if len(s.Intervals) == 0 || len(s.Key) == 0 {
			t.Errorf("%+v", s)
		}
	}
	// gateway: http-server and rpc-client; orders: rpc-server, rpc-client;
	// stock: rpc-server, biz (2), rpc-client; edge: http-client
	for l, n := range map[string]int64{"http-server": 1, "http-client": 1, "rpc-server": 2, "rpc-client": 3, "biz": 2} {
		if layouts[l] != n {
			t.Errorf("%s: %d calls, want %d (%v)", l, layouts[l], n, layouts)
		}
	}
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "biz-digest.log"), []byte("{\"broken\r\n\x1b[31mred\r\n"+
		`{"time":"2026-11-24 10:00:00.000","local.app":"a\u001b[2J","traceId":"t1","spanId":"0","time.cost.milliseconds":"1ms","method":"m"}`+"\r\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"trace", "nope", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no span") {
		t.Errorf("unknown trace: %d %q", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"trace", "t1", dir}, &out, &errb); code != 0 {
		t.Fatalf("%d %s", code, errb.String())
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("an escape sequence from the log reached the terminal: %q", out.String())
	}
	errb.Reset()
	run([]string{"find", dir}, &out, &errb)
	if !strings.Contains(errb.String(), "skipped 1 corrupt") {
		t.Errorf("corrupt lines not reported: %q", errb.String())
	}
	for _, args := range [][]string{{}, {"bogus"}, {"trace"}, {"find", "--format", "xml", dir}, {"find", "--since", "yesterday", dir}, {"ship", dir}} {
		if code := run(args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
