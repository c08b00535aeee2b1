package source

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for name, want := range map[string]string{
		"rpc-client-digest.log":                          "digest rpc-client false false",
		"spring-mvc-digest.log.2026-11-24":               "digest spring-mvc true false",
		"spring-mvc-digest.log.2026-11-24_13":            "digest spring-mvc true false",
		"biz-stat.log.2026-11-24.gz":                     "stat biz true true",
		"http-server-digest-2026-11-24T13-05-00.000.log": "digest http-server true false",
		"tracer-self.log":                                "self  false false",
		"app.log":                                        "unknown  false false",
	} {
		f, ok := Classify(name)
		kind := map[Kind]string{Unknown: "unknown", Digest: "digest", Stat: "stat", Self: "self"}[f.Kind]
		got := strings.Join([]string{kind, f.Layout, map[bool]string{true: "true", false: "false"}[f.Rolled], map[bool]string{true: "true", false: "false"}[f.Gzip]}, " ")
		if !ok || got != want {
			t.Errorf("%s: %q %v, want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"static-info.log", "notes.txt", "rpc-client-event.log"} {
		if _, ok := Classify(name); ok {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestExpandAndRead(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string, gz bool) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		data := []byte(text)
		if gz {
			var b bytes.Buffer
			w := gzip.NewWriter(&b)
			w.Write(data)
			w.Close()
			data = b.Bytes()
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/biz-digest.log", "l1\r\nl2\n", false)
	write("a/biz-digest.log.2026-11-24", "old\r\n", false)
	write("a/shadow/biz-digest.log", "s\n", false)
	write("a/x.txt", "ignored", false)
	write("a/app.log", "an application's own log", false)
	write("b/rpc-server-digest.log.2026-11-23.gz", "{\"a\":\"x\ny\"}\r\n{\"b\":1}\r\nlast", true)
	files, err := Expand([]string{"h1=" + filepath.Join(dir, "a"), filepath.Join(dir, "b", "*.gz")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path)+"|"+f.Host+"|"+map[bool]string{true: "shadow", false: ""}[f.Shadow])
	}
	want := "biz-digest.log.2026-11-24|h1| biz-digest.log|h1| biz-digest.log|h1|shadow rpc-server-digest.log.2026-11-23.gz||"
	if strings.Join(got, " ") != want {
		t.Fatalf("%v\nwant %s", got, want)
	}
	rc, err := Open(files[3])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r := NewReader(rc, 0)
	var lines []string
	var offs []int64
	for {
		l, off, ok := r.Next()
		if !ok {
			break
		}
		lines = append(lines, string(l))
		offs = append(offs, off)
	}
	if strings.Join(lines, "|") != "{\"a\":\"x\ny\"}|{\"b\":1}|last" || offs[1] != 13 || offs[2] != 22 {
		t.Fatalf("%q %v", lines, offs)
	}
}
