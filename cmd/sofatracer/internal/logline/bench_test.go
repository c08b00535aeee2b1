package logline

import "testing"

// BenchmarkDigest: one goroutine parsing the fields the index keeps from
// a SOFARPC client line and a Spring MVC line.
func BenchmarkDigest(b *testing.B) {
	lines := [][]byte{
		[]byte(`{"timestamp":"2026-11-24 10:00:02.000","tracerId":"0a0fe9271567477985327100211176","spanId":"0.1","span.kind":"client","local.app":"web","protocol":"bolt","service":"com.example.OrderService:1.0","method":"place","current.thread.name":"http-server","invoke.type":"sync","router.record":"DIRECT","remote.app":"orders","remote.ip":"10.0.0.2:12200","local.client.ip":"10.0.0.1","result.code":"00","req.serialize.time":"1","resp.deserialize.time":"2","resp.size":"170","req.size":"582","client.conn.time":"0","client.elapse.time":"155","local.client.port":"5000","baggage":"user=u-42&"}`),
		[]byte(`{"time":"2026-11-24 10:00:01.250","local.app":"shop","traceId":"0a0fe9271567477985327100211176","spanId":"0","span.kind":"server","result.code":"200","current.thread.name":"http-nio-1","time.cost.milliseconds":"42ms","request.url":"http://front.example.com/api/orders/checkout","method":"POST","req.size.bytes":512,"resp.size.bytes":2048,"error":"","sys.baggage":"","biz.baggage":"user=u-42&tenant=acme&"}`),
	}
	b.SetBytes(int64(len(lines[0])+len(lines[1])) / 2)
	var p Parser
	var r Record
	b.ReportAllocs()
	for i := range b.N {
		if err := p.Digest(lines[i&1], "", &r, nil); err != nil {
			b.Fatal(err)
		}
	}
}
