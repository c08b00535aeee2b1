package browsertest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/logs"
	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/web"
)

// chromePath returns the browser to drive: $SOFA_TEST_CHROME, set by
// tools/services/chromium.svc. Without it the test skips, unless
// SOFA_TEST_REQUIRED=1 (make test, CI), where it fails.
func chromePath(tb testing.TB) string {
	p := os.Getenv("SOFA_TEST_CHROME")
	if p == "" {
		if os.Getenv("SOFA_TEST_REQUIRED") == "1" {
			tb.Fatal("SOFA_TEST_CHROME is not set (eval \"$(bash tools/services/run.sh start)\" sets it)")
		}
		tb.Skip("SOFA_TEST_CHROME is not set: no headless Chromium to drive (eval \"$(bash tools/services/run.sh start)\")")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("SOFA_TEST_CHROME=%s: %v", p, err)
	}
	return p
}

// artifacts is where screenshots go: $SOFA_TEST_ARTIFACTS, else a
// temporary directory of the test.
func artifacts(tb testing.TB) string {
	if d := os.Getenv("SOFA_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		return d
	}
	return tb.TempDir()
}

// browser starts a fresh headless Chromium with its own profile.
func browser(tb testing.TB) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromePath(tb)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		tb.Fatalf("start %s: %v", chromePath(tb), err)
	}
	return ctx
}

// server indexes dirs and serves the UI, following the files every 100 ms.
func server(tb testing.TB, inputs ...string) string {
	srv := web.New(logs.NewIndex(), inputs)
	if err := srv.Load(); err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Follow(ctx, 100*time.Millisecond); close(done) }()
	tb.Cleanup(func() { cancel(); <-done; hs.Close() })
	return hs.URL + "/"
}

// line is one JSON digest line with the keys in the given order.
func line(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[i])
		v, _ := json.Marshal(kv[i+1])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString("}\r\n")
	return b.String()
}

func appendFile(tb testing.TB, path, text string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		tb.Fatal(err)
	}
}

func shot(tb testing.TB, ctx context.Context, dir, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.Error(err)
	}
	tb.Logf("screenshot %s", p)
}

// eval runs a script and decodes its value.
func eval[T any](tb testing.TB, ctx context.Context, js string) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("%s: %v", js, err)
	}
	return v
}

// wait polls a predicate until it is true. A poll whose page context went
// away (the document was replaced while it ran: "Cannot find context with
// specified id") starts again in the new one, within the same deadline.
func wait(tb testing.TB, ctx context.Context, js string, d time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		if lostContext(err) && time.Now().Before(deadline) {
			continue
		}
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		tb.Fatalf("waiting for %s: %v\npage: %s", js, err, body)
	}
}

// lostContext reports whether err is the DevTools protocol's answer to a
// script whose execution context was destroyed by a new document.
func lostContext(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context with specified id") || strings.Contains(msg, "Execution context was destroyed")
}
