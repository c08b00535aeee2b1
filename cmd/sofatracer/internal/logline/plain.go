package logline

import (
	"bytes"
	"strings"

	"github.com/sofatracer/sofatracer-go/digest"
)

// commonPrefix is SOFATracer 3.x's field order before the component fields.
var commonPrefix = []string{"time", "local.app", "traceId", "spanId", "span.kind", "result.code",
	"current.thread.name", "time.cost.milliseconds"}

// plainLayout is the field order of a comma-separated digest file.
type plainLayout struct {
	rpc    bool     // timestamp, tracerId, spanId, fields, baggage
	fields []string // component fields
	extras bool     // key:value tags follow the fields (flexible/biz)
}

func names(fs []digest.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// plainLayouts maps a file's layout name (file name without -digest.log)
// to its plain field order: this project's layouts from package digest,
// Java SOFATracer's from its encoders.
var plainLayouts = map[string]plainLayout{
	"http-server":        {fields: names(digest.HTTPServer.Fields)},
	"http-client":        {fields: names(digest.HTTPClient.Fields)},
	"rpc-client":         {rpc: true, fields: names(digest.RPCClient.Fields)},
	"rpc-server":         {rpc: true, fields: names(digest.RPCServer.Fields)},
	"biz":                {fields: names(digest.Biz.Fields), extras: true},
	"spring-mvc":         {fields: []string{"request.url", "method", "req.size.bytes", "resp.size.bytes", "error"}},
	"httpclient":         {fields: []string{"request.url", "method", "req.size.bytes", "resp.size.bytes", "remote.app"}},
	"resttemplate":       {fields: []string{"request.url", "method", "req.size.bytes", "resp.size.bytes", "error"}},
	"okhttp":             {fields: []string{"request.url", "method", "result.code", "req.size.bytes", "resp.size.bytes", "remote.app"}},
	"feign":              {fields: []string{"request.url", "method", "error", "req.size.bytes", "resp.size.bytes", "remote.host", "remote.port"}},
	"dubbo-client":       {fields: []string{"protocol", "service", "method", "invoke.type", "remote.host", "remote.port", "local.host", "client.serialize.time", "client.deserialize.time", "req.size.bytes", "resp.size.bytes", "error"}},
	"dubbo-server":       {fields: []string{"protocol", "service", "method", "local.host", "local.port", "server.serialize.time", "server.deserialize.time", "req.size.bytes", "resp.size.bytes", "error"}},
	"datasource-client":  {fields: []string{"database.name", "sql", "connection.establish.span", "db.execute.cost", "database.type", "database.endpoint"}},
	"redis":              {fields: []string{"db.type", "method"}},
	"mongodb":            {fields: []string{"method", "db.statement", "db.instance", "peer.hostname", "peer.host", "error", "peer.port", "db.type"}},
	"kafkamq-send":       {fields: []string{"kafka.topic", "kafka.partition", "error"}},
	"kafkamq-consume":    {fields: []string{"kafka.topic", "kafka.partition", "kafka.offset"}},
	"rabbitmq-send":      {fields: []string{"exchange", "rountingKey", "replyTimeout", "error"}},
	"rabbitmq-consume":   {fields: []string{"exchange", "rountingKey", "queueName", "error"}},
	"rocketmq-send":      {fields: []string{"msg.id", "msg.topic", "broker", "status", "msgType", "bornHost", "brokerAddr", "producerGroup", "error"}},
	"rocketmq-consume":   {fields: []string{"msg.id", "msg.topic", "broker", "consumerGroup", "status", "error"}},
	"message-pub":        {fields: []string{"error", "msg.channel", "msg.id", "remote.app"}},
	"message-sub":        {fields: []string{"error", "msg.topic", "msg.channel", "msg.id", "remote.app"}},
	"flexible":           {fields: []string{"method"}, extras: true},
	"rpc-2-jvm":          {rpc: true},
	"rpc-client-generic": {rpc: true},
}

// KnownLayout reports whether name has a known plain field order.
func KnownLayout(name string) bool { _, ok := plainLayouts[name]; return ok }

func (p *Parser) plain(line []byte, layout string, r *Record, fn func(key, val []byte)) error {
	pl, ok := plainLayouts[layout]
	parts := bytes.Split(line, []byte{','})
	if !ok {
		// Unknown file: the 3.x common prefix if its cost field says so.
		if len(parts) < len(commonPrefix) || !bytes.HasSuffix(parts[7], []byte("ms")) {
			return ErrSyntax
		}
	}
	for i := range parts {
		parts[i], p.buf = unescapePlain(parts[i], p.buf)
	}
	emit := func(k string, v []byte) {
		kb := []byte(k)
		p.apply(r, kb, v)
		if fn != nil {
			fn(kb, v)
		}
	}
	if pl.rpc {
		// timestamp, tracerId, spanId, fields..., baggage
		if len(parts) < 4 {
			return ErrSyntax
		}
		emit("timestamp", parts[0])
		emit("tracerId", parts[1])
		emit("spanId", parts[2])
		body := parts[3 : len(parts)-1]
		for i, v := range body {
			if i < len(pl.fields) {
				emit(pl.fields[i], v)
			}
		}
		emit("baggage", parts[len(parts)-1])
		r.RPC = true
		return nil
	}
	if len(parts) < len(commonPrefix)+2 {
		return ErrSyntax
	}
	for i, k := range commonPrefix {
		emit(k, parts[i])
	}
	body := parts[len(commonPrefix) : len(parts)-2]
	for i, v := range body {
		switch {
		case i < len(pl.fields):
			emit(pl.fields[i], v)
		case pl.extras:
			if k, val, ok := bytes.Cut(v, []byte{':'}); ok {
				emit(string(k), val)
			}
		}
	}
	emit("sys.baggage", parts[len(parts)-2])
	emit("biz.baggage", parts[len(parts)-1])
	return nil
}

// unescapePlain undoes digest.AppendPlain: %2C and the %XX of control
// characters. Other % sequences (baggage escapes) stay.
func unescapePlain(v, buf []byte) ([]byte, []byte) {
	if bytes.IndexByte(v, '%') < 0 {
		return v, buf
	}
	start := len(buf)
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if c, ok := plainEscape(v[i+1], v[i+2]); ok {
				buf = append(buf, c)
				i += 2
				continue
			}
		}
		buf = append(buf, v[i])
	}
	return buf[start:], buf
}

func plainEscape(a, b byte) (byte, bool) {
	h := strings.IndexByte("0123456789ABCDEF", a)
	l := strings.IndexByte("0123456789ABCDEF", b)
	if h < 0 || l < 0 {
		return 0, false
	}
	c := byte(h<<4 | l)
	if c < 0x20 || c == 0x7f || c == ',' {
		return c, true
	}
	return 0, false
}
