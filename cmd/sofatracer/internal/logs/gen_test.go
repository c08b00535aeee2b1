package logs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sofatracer/sofatracer-go/cmd/sofatracer/internal/source"
)

// genLogs writes traces of five spans each (HTTP server, RPC client and
// server, two local spans) over nfiles digest files per layout until
// about size bytes, and returns the files and one trace id per file set.
func genLogs(t testing.TB, dir string, size int64, nfiles int) ([]source.File, []string) {
	t.Helper()
	type out struct {
		w *bufio.Writer
		f *os.File
	}
	open := func(name string) out {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return out{bufio.NewWriterSize(f, 1<<20), f}
	}
	var outs [][4]out
	for i := range nfiles {
		sub := filepath.Join(dir, fmt.Sprintf("host%d", i))
		os.MkdirAll(sub, 0o755)
		outs = append(outs, [4]out{
			open(fmt.Sprintf("host%d/http-server-digest.log", i)), open(fmt.Sprintf("host%d/rpc-client-digest.log", i)),
			open(fmt.Sprintf("host%d/rpc-server-digest.log", i)), open(fmt.Sprintf("host%d/biz-digest.log", i)),
		})
	}
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.Local)
	var written int64
	var ids []string
	for n := 0; written < size; n++ {
		o := outs[n%nfiles]
		id := fmt.Sprintf("0a0fe9%02x%013d%04d%d", n%256, 1764000000000+int64(n), 1000+n%8000, 4242)
		if n < nfiles {
			ids = append(ids, id)
		}
		end := base.Add(time.Duration(n) * time.Millisecond)
		ts := func(d time.Duration) string { return end.Add(-d).Format("2006-01-02 15:04:05.000") }
		errField := ""
		code := "200"
		if n%50 == 0 {
			errField, code = `boom \"quoted\" failure`, "500"
		}
		lines := [4]string{
			fmt.Sprintf(`{"time":"%s","local.app":"front%d","traceId":"%s","spanId":"0","span.kind":"server","result.code":"%s","current.thread.name":"http-server","time.cost.milliseconds":"%dms","request.url":"http://front.example.com/api/orders/checkout","method":"POST","req.size.bytes":512,"resp.size.bytes":2048,"error":"%s","sys.baggage":"","biz.baggage":"user=u-%d&"}`+"\r\n",
				ts(0), n%5, id, code, 20+n%30, errField, n%1000),
			fmt.Sprintf(`{"timestamp":"%s","tracerId":"%s","spanId":"0.1","span.kind":"client","local.app":"front%d","protocol":"bolt","service":"com.example.OrderService:1.0","method":"place","current.thread.name":"http-server","invoke.type":"sync","router.record":"DIRECT","remote.app":"orders","remote.ip":"10.0.0.2:12200","local.client.ip":"10.0.0.1","result.code":"00","resp.size":"170","req.size":"582","client.elapse.time":"%d","local.client.port":"59774","baggage":"user=u-%d&"}`+"\r\n",
				ts(time.Millisecond), id, n%5, 15+n%20, n%1000),
			fmt.Sprintf(`{"timestamp":"%s","tracerId":"%s","spanId":"0.1","span.kind":"server","service":"com.example.OrderService:1.0","method":"place","remote.ip":"10.0.0.1","remote.app":"front","protocol":"bolt","local.app":"orders","current.thread.name":"bolt-server","result.code":"00","biz.impl.time":"%d","resp.size":"170","req.size":"582","baggage":"user=u-%d&"}`+"\r\n",
				ts(2*time.Millisecond), id, 10+n%10, n%1000),
			fmt.Sprintf(`{"time":"%s","local.app":"orders","traceId":"%s","spanId":"0.1.1","span.kind":"","result.code":"","current.thread.name":"goroutine","time.cost.milliseconds":"3ms","method":"reserve-stock","order.id":"A-%d","sys.baggage":"","biz.baggage":"user=u-%d&"}`+"\r\n"+
				`{"time":"%s","local.app":"orders","traceId":"%s","spanId":"0.1.2","span.kind":"","result.code":"","current.thread.name":"goroutine","time.cost.milliseconds":"2ms","method":"charge-card","order.id":"A-%d","sys.baggage":"","biz.baggage":"user=u-%d&"}`+"\r\n",
				ts(5*time.Millisecond), id, n, n%1000, ts(3*time.Millisecond), id, n, n%1000),
		}
		for i, l := range lines {
			o[i].w.WriteString(l)
			written += int64(len(l))
		}
	}
	for _, o := range outs {
		for _, x := range o {
			if err := x.w.Flush(); err != nil {
				t.Fatal(err)
			}
			x.f.Close()
		}
	}
	files, err := source.Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return files, ids
}
