package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const (
	traceA   = "0a0000011764000000000100011234"
	hostile  = `"><svg onload=window.__pwned=5>`
	xssSvc   = `<script>window.__pwned=1</script>`
	xssOp    = `"><img src=x onerror="window.__pwned=2">`
	xssURL   = `javascript:window.__pwned=3`
	xssBag   = `x=%3Cimg src=x onerror=window.__pwned=4%3E&link=javascript:window.__pwned=6&`
	liveID   = "0a0000011764000000999100011234"
	rotateID = "0a0000011764000000888100011234"
)

func ts(d time.Duration) string {
	return time.Date(2026, 11, 24, 10, 0, 0, 0, time.Local).Add(d).Format("2006-01-02 15:04:05.000")
}

// writeFixture writes trace A (front → orders over HTTP and Bolt, a local
// span, an error) and a trace full of hostile content, and their stat lines.
func writeFixture(t *testing.T, dir string) {
	front, orders := filepath.Join(dir, "front"), filepath.Join(dir, "orders")
	appendFile(t, filepath.Join(front, "http-server-digest.log"),
		line("time", ts(100*time.Millisecond), "local.app", "front", "traceId", traceA, "spanId", "0", "span.kind", "server", "result.code", "200",
			"current.thread.name", "http-server", "time.cost.milliseconds", "100ms", "request.url", "http://front/checkout", "method", "POST",
			"error", "", "sys.baggage", "", "biz.baggage", "user=u-42&tenant=acme&"))
	appendFile(t, filepath.Join(front, "rpc-client-digest.log"),
		line("timestamp", ts(90*time.Millisecond), "tracerId", traceA, "spanId", "0.1", "span.kind", "client", "local.app", "front",
			"protocol", "bolt", "service", "com.example.Orders:1.0", "method", "place", "result.code", "00", "client.elapse.time", "80", "baggage", "user=u-42&"))
	appendFile(t, filepath.Join(orders, "rpc-server-digest.log"),
		line("timestamp", ts(88*time.Millisecond), "tracerId", traceA, "spanId", "0.1", "span.kind", "server", "service", "com.example.Orders:1.0",
			"method", "place", "local.app", "orders", "result.code", "00", "biz.impl.time", "70", "baggage", "user=u-42&"))
	appendFile(t, filepath.Join(orders, "biz-digest.log"),
		line("time", ts(60*time.Millisecond), "local.app", "orders", "traceId", traceA, "spanId", "0.1.1", "span.kind", "", "result.code", "",
			"current.thread.name", "goroutine", "time.cost.milliseconds", "30ms", "method", "reserve-stock", "error", "out of stock", "sys.baggage", "", "biz.baggage", ""))
	appendFile(t, filepath.Join(orders, "biz-stat.log"),
		line("time", ts(time.Minute), "stat.key", "", "count", "1")[:0]+
			`{"time":"`+ts(time.Minute)+`","stat.key":{"local.app":"orders","method":"reserve-stock"},"count":3,"total.cost.milliseconds":90,"success":"N","load.test":"F"}`+"\r\n"+
			`{"time":"`+ts(2*time.Minute)+`","stat.key":{"local.app":"orders","method":"reserve-stock"},"count":5,"total.cost.milliseconds":50,"success":"Y","load.test":"F"}`+"\r\n")
	// hostile: every value a log line holds, as markup and script URLs
	evil := filepath.Join(dir, "evil")
	appendFile(t, filepath.Join(evil, "http-server-digest.log"),
		line("time", ts(200*time.Millisecond), "local.app", xssSvc, "traceId", hostile, "spanId", "0", "span.kind", "server", "result.code", `<b>500</b>`,
			"current.thread.name", xssOp, "time.cost.milliseconds", "10ms", "request.url", xssURL, "method", xssOp,
			"error", `<script>window.__pwned=7</script>`, "sys.baggage", xssBag, "biz.baggage", xssBag))
	appendFile(t, filepath.Join(evil, "biz-digest.log"),
		line("time", ts(199*time.Millisecond), "local.app", "evil-biz", "traceId", hostile, "spanId", "0.1", "span.kind", "", "result.code", "",
			"current.thread.name", "g", "time.cost.milliseconds", "5ms", "method", xssOp, xssOp, xssURL, "sys.baggage", "", "biz.baggage", xssBag))
}

func TestUI(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	out := artifacts(t)
	writeFixture(t, dir)
	url := server(t, dir)

	// Search: both traces, newest first.
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelectorAll('#results tbody tr').length === 2`, 30*time.Second)
	first := eval[string](t, ctx, `document.querySelector('#results tbody tr').dataset.trace`)
	if first != hostile {
		t.Errorf("newest trace %q, want the hostile one", first)
	}
	// a filter: service and error
	if err := chromedp.Do(ctx, chromedp.SetValue(`input[name=service]`, "orders"), chromedp.Click(`input[name=error]`),
		chromedp.Click(`#search button[type=submit]`)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelectorAll('#results tbody tr').length === 1 && document.querySelector('#results tbody tr').dataset.trace === '`+traceA+`'`, 30*time.Second)
	shot(t, ctx, out, "1-search")

	// Open trace A.
	if err := chromedp.Do(ctx, chromedp.Click(`a.trace-link`)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.body.dataset.painted === '`+traceA+`'`, 30*time.Second)
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('.row:not([hidden])')].map(r => r.dataset.span + ' ' + r.querySelector('.svc').textContent)`)
	if strings.Join(rows, "|") != "0 front|0.1 front|0.1 orders|0.1.1 orders" {
		t.Errorf("rows %q", rows)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.row.error:not([hidden])').length`); n != 1 {
		t.Errorf("%d error rows", n)
	}
	shot(t, ctx, out, "2-trace")

	// Collapse the root with the keyboard, expand it with a click.
	if err := chromedp.Do(ctx, chromedp.Focus(`#waterfall`), chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelectorAll('.row:not([hidden])').length === 1`, 30*time.Second)
	shot(t, ctx, out, "3-collapsed")
	if err := chromedp.Do(ctx, chromedp.Click(`.row .tog`)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelectorAll('.row:not([hidden])').length === 4`, 30*time.Second)

	// Keyboard: down twice to orders' server span, Enter opens the detail.
	if err := chromedp.Do(ctx, chromedp.Focus(`#waterfall`), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("j"), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `!document.querySelector('#detail').hidden && document.querySelector('#detail-fields').textContent.includes('biz.impl.time')`, 30*time.Second)
	title := eval[string](t, ctx, `document.querySelector('#detail-title').textContent`)
	if title != "orders · 0.1" {
		t.Errorf("detail of %q", title)
	}
	bag := eval[string](t, ctx, `document.querySelector('#detail-baggage').textContent`)
	if !strings.Contains(bag, "user") || !strings.Contains(bag, "u-42") {
		t.Errorf("baggage %q", bag)
	}
	shot(t, ctx, out, "4-detail")

	// Find in trace.
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#find`, "reserve")); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelector('#find-count').textContent === '1 found' && document.querySelector('.row.sel').dataset.span === '0.1.1'`, 30*time.Second)

	// Jaeger JSON download.
	spans := eval[int](t, ctx, `(async () => (await (await fetch(document.querySelector('#download').href)).json()).data[0].spans.length)()`)
	if spans != 4 {
		t.Errorf("Jaeger JSON has %d spans", spans)
	}

	// Dependency graph.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/graph")); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelectorAll('#edges tbody tr').length >= 2`, 30*time.Second)
	edges := eval[[]string](t, ctx, `[...document.querySelectorAll('#edges tbody tr')].map(r => [...r.cells].map(c => c.textContent).join(' '))`)
	if !contains(edges, "front orders 1 0 70.0 ms") {
		t.Errorf("edges %q", edges)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#graph .node').length`); n != 4 {
		t.Errorf("%d graph nodes", n)
	}
	shot(t, ctx, out, "5-graph")

	// Stat charts.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/stats")); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelectorAll('.chart rect').length === 2`, 30*time.Second)
	shot(t, ctx, out, "6-stats")

	// Live: a line appended to a growing file, then a rotation (rename,
	// new file) both show up in the search without a restart.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/")); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `document.querySelector('#search').reset(), runSearch(), true`)
	wait(t, ctx, `document.querySelectorAll('#results tbody tr').length === 2`, 30*time.Second)
	p := filepath.Join(dir, "front", "biz-digest.log")
	appendFile(t, p, line("time", ts(time.Hour), "local.app", "front", "traceId", liveID, "spanId", "0", "span.kind", "",
		"result.code", "", "current.thread.name", "g", "time.cost.milliseconds", "1ms", "method", "live-one", "sys.baggage", "", "biz.baggage", ""))
	wait(t, ctx, `[...document.querySelectorAll('#results tbody tr')].some(r => r.dataset.trace === '`+liveID+`')`, 30*time.Second)
	if err := os.Rename(p, p+".2026-11-24"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, p+".2026-11-24", line("time", ts(time.Hour+time.Second), "local.app", "front", "traceId", liveID, "spanId", "0.1", "span.kind", "",
		"result.code", "", "current.thread.name", "g", "time.cost.milliseconds", "1ms", "method", "late-in-rolled", "sys.baggage", "", "biz.baggage", ""))
	appendFile(t, p, line("time", ts(2*time.Hour), "local.app", "front", "traceId", rotateID, "spanId", "0", "span.kind", "",
		"result.code", "", "current.thread.name", "g", "time.cost.milliseconds", "1ms", "method", "after-rotation", "sys.baggage", "", "biz.baggage", ""))
	wait(t, ctx, `[...document.querySelectorAll('#results tbody tr')].some(r => r.dataset.trace === '`+rotateID+`')`, 30*time.Second)
	wait(t, ctx, `[...document.querySelectorAll('#results tbody tr')].some(r => r.dataset.trace === '`+liveID+`' && r.cells[3].textContent === '2')`, 30*time.Second)
	shot(t, ctx, out, "7-live")

	// Hostile content: open the trace, its detail, the graph; nothing ran.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/trace/"+escapeHash(hostile))); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.body.dataset.painted === `+jsString(hostile), 30*time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(`.row`), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelector('#detail-fields').textContent.includes('window.__pwned=7')`, 30*time.Second)
	shot(t, ctx, out, "8-hostile-detail")
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/graph"), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelector('#graph').textContent.includes('<script>')`, 30*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/"), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, `document.querySelector('#results').textContent.includes('<script>window.__pwned=1</script>')`, 30*time.Second)
	shot(t, ctx, out, "9-hostile-search")
	checks := map[string]string{
		"no script ran":                  `window.__pwned === undefined`,
		"no injected img, svg or script": `document.querySelectorAll('img, main script, svg:not(#graph):not(.stat-chart), iframe, object, embed').length === 0`,
		"no javascript: link":            `[...document.querySelectorAll('[href],[src]')].every(e => !/^\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || ''))`,
		"no inline event handler":        `[...document.querySelectorAll('*')].every(e => [...e.attributes].every(a => !a.name.startsWith('on')))`,
	}
	for name, js := range checks {
		if !eval[bool](t, ctx, js) {
			t.Errorf("hostile content: %s failed", name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// escapeHash percent-encodes what encodeURIComponent would.
func escapeHash(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
