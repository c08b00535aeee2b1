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

// TestJSONShapes: the keys the issue promises scripts.
func TestJSONShapes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "biz-digest.log"), []byte(
		`{"time":"2026-11-24 10:00:00.100","local.app":"a","traceId":"t1","spanId":"0","span.kind":"server","time.cost.milliseconds":"10ms","method":"m"}`+"\r\n"+
			`{"time":"2026-11-24 10:00:00.090","local.app":"b","traceId":"t1","spanId":"0.1.1","time.cost.milliseconds":"5ms","method":"n","error":"boom"}`+"\r\n"), 0o644)
	var tr map[string]any
	runJSON(t, &tr, "trace", "t1", "--format", "json", dir)
	if tr["traceId"] != "t1" {
		t.Errorf("traceId %v", tr["traceId"])
	}
	spans := tr["spans"].([]any)
	if len(spans) != 3 {
		t.Fatalf("%d spans", len(spans))
	}
	for _, s := range spans {
		m := s.(map[string]any)
		for k, kind := range map[string]string{"spanId": "string", "parentId": "string", "service": "string", "kind": "string",
			"durationMs": "number", "error": "bool", "missing": "bool"} {
			v, ok := m[k]
			got := map[bool]string{true: "ok"}[ok]
			switch v.(type) {
			case string:
				got = "string"
			case float64:
				got = "number"
			case bool:
				got = "bool"
			}
			if got != kind {
				t.Errorf("span %v: %s is %v", m["spanId"], k, v)
			}
		}
	}
	if m := spans[1].(map[string]any); m["spanId"] != "0.1" || m["missing"] != true || m["parentId"] != "0" {
		t.Errorf("placeholder %v", m)
	}
	if m := spans[2].(map[string]any); m["error"] != true || m["parentId"] != "0.1" {
		t.Errorf("failed span %v", m)
	}
	var found []map[string]any
	runJSON(t, &found, "find", "--format", "json", dir)
	if len(found) != 1 {
		t.Fatalf("%v", found)
	}
	for _, k := range []string{"traceId", "spans", "durationMs", "error", "services"} {
		if _, ok := found[0][k]; !ok {
			t.Errorf("find: no %s in %v", k, found[0])
		}
	}
	// 0.1.1 starts 5 ms before the root (85 to 90 ms, the root 90 to 100)
	if found[0]["durationMs"] != float64(15) || found[0]["error"] != true {
		t.Errorf("find: %v", found[0])
	}
}
