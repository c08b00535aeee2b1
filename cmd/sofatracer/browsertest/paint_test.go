package browsertest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// writeBigTrace writes one trace of n spans: a tree where every span has
// up to 8 children, over four services' files.
func writeBigTrace(tb testing.TB, dir string, n int) string {
	id := fmt.Sprintf("0a00000117640000000001%04d4242", n%10000)
	var ws [4]*bufio.Writer
	for i := range ws {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("svc%d-biz-digest.log", i)))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { f.Close() })
		ws[i] = bufio.NewWriterSize(f, 1<<20)
	}
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.Local)
	ids := []string{"0"}
	for k := 0; k < n; k++ {
		sid := ids[k]
		for c := 1; c <= 8 && len(ids) < n; c++ {
			ids = append(ids, fmt.Sprintf("%s.%d", sid, c))
		}
		depth := strings.Count(sid, ".")
		end := base.Add(time.Duration(10000-depth*10) * time.Millisecond)
		fmt.Fprintf(ws[k%4], `{"time":"%s","local.app":"svc%d","traceId":"%s","spanId":"%s","span.kind":"","result.code":"","current.thread.name":"g","time.cost.milliseconds":"%dms","method":"op-%d","sys.baggage":"","biz.baggage":""}`+"\r\n",
			end.Format("2006-01-02 15:04:05.000"), k%4, id, sid, 10000-depth*20, k%50)
	}
	for _, w := range ws {
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
	}
	return id
}

// BenchmarkFirstPaint: a cold page load of a trace's waterfall, from
// navigation to the frame after the rows were drawn, as the page's
// performance API reports it (the 'waterfall-painted' mark). The server
// reads the lines, rebuilds the trace and sends it; the page draws the
// visible rows.
func BenchmarkFirstPaint(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("spans=%d", n), func(b *testing.B) {
			ctx := browser(b)
			dir := b.TempDir()
			id := writeBigTrace(b, dir, n)
			var total float64
			for range b.N {
				b.StopTimer()
				url := server(b, dir) // a new server: nothing cached
				if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := chromedp.Do(ctx, chromedp.Navigate(url+"#/trace/"+id)); err != nil {
					b.Fatal(err)
				}
				wait(b, ctx, `document.body.dataset.painted === '`+id+`'`, 60*time.Second)
				b.StopTimer()
				ms := eval[float64](b, ctx, `performance.getEntriesByName('waterfall-painted')[0].startTime`)
				rows := eval[int](b, ctx, `document.querySelectorAll('.row:not([hidden])').length`)
				if rows < 20 {
					b.Fatalf("%d rows drawn", rows)
				}
				total += ms
				b.StartTimer()
			}
			b.ReportMetric(total/float64(b.N), "paint-ms")
		})
	}
}
