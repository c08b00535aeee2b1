package logline

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Record is what one digest line says about its span. Its byte fields
// point into the parsed line or the Parser's buffer: copy what must
// outlive the next Parse.
type Record struct {
	TraceID, SpanID []byte
	App             []byte // local.app
	Kind            []byte // span.kind: client, server, ...
	Result          []byte // result.code
	URL, Method     []byte // request.url, method
	Service         []byte // RPC service
	Protocol        []byte
	RemoteApp       []byte
	RemoteIP        []byte
	LocalIP         []byte // local.client.ip
	ErrorText       []byte // error
	Target          []byte // topic, sql, db statement: what else names the operation
	EndMs           int64  // span end, epoch ms
	CostMs          int64  // duration in ms, -1 when the line has none
	phaseMs         int64  // SOFARPC server phase times, summed
	hasPhase        bool
	// RPC is set for SOFARPC/MOSN style lines (tracerId/timestamp keys or
	// an RPC file).
	RPC bool
}

// Errors of Parse, counted by callers.
var (
	ErrNoIDs  = errors.New("logline: no traceId or spanId")
	ErrNoTime = errors.New("logline: no or bad time")
)

// Parser parses lines; it keeps a buffer and a time cache, so each
// goroutine owns one.
type Parser struct {
	Loc *time.Location // zone of the log times; nil means time.Local
	buf []byte
	sc  Scanner
	tc  timeCache
}

// Digest parses a digest line: JSON of any layout, or plain (comma
// separated) when layout (a file's layout name such as "spring-mvc" or
// "rpc-client") is known. fn, when not nil, also receives every field.
func (p *Parser) Digest(line []byte, layout string, r *Record, fn func(key, val []byte)) error {
	*r = Record{CostMs: -1}
	p.buf = p.buf[:0]
	line = trimEOL(line)
	var err error
	if len(line) > 0 && line[0] == '{' {
		err = p.json(line, r, fn)
	} else {
		err = p.plain(line, layout, r, fn)
	}
	if err != nil {
		return err
	}
	if len(r.TraceID) == 0 || len(r.SpanID) == 0 {
		return ErrNoIDs
	}
	if r.EndMs == 0 {
		return ErrNoTime
	}
	if r.CostMs < 0 && r.hasPhase {
		r.CostMs = r.phaseMs
	}
	if strings.HasPrefix(layout, "rpc-") {
		r.RPC = true
	}
	return nil
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func (p *Parser) json(line []byte, r *Record, fn func(key, val []byte)) error {
	if err := p.sc.Reset(line); err != nil {
		return err
	}
	for {
		k, v, typ, ok, err := p.sc.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if bytes.IndexByte(k, '\\') >= 0 {
			k, p.buf = Unquote(k, p.buf)
		}
		if typ == TypeNumber && string(v) == "null" {
			v = nil
		}
		if fn == nil && !wanted(k) {
			continue // not decoded at all
		}
		if typ == TypeString {
			v, p.buf = Unquote(v, p.buf)
		}
		p.apply(r, k, v)
		if fn != nil {
			fn(k, v)
		}
	}
}

// wanted reports whether apply uses key k.
func wanted(k []byte) bool {
	switch string(k) {
	case "traceId", "tracerId", "TraceId", "sofaTraceId", "spanId", "rpcId", "sofaRpcId", "time", "timestamp",
		"local.app", "span.kind", "result.code", "time.cost.milliseconds", "client.elapse.time", "server.duration",
		"mosn.duration", "biz.impl.time", "server.pool.wait.time", "req.deserialize.time", "resp.serialize.time",
		"request.url", "method", "service", "protocol", "remote.app", "remote.ip", "remote.host", "local.client.ip",
		"local.host", "error", "msg.topic", "kafka.topic", "exchange", "sql", "db.statement", "msg.channel":
		return true
	}
	return false
}

// apply records one field.
func (p *Parser) apply(r *Record, k, v []byte) {
	switch string(k) {
	case "traceId", "tracerId", "TraceId", "sofaTraceId":
		r.TraceID = v
	case "spanId", "rpcId", "sofaRpcId":
		r.SpanID = v
	case "time", "timestamp":
		if ms, ok := p.tc.parse(v, p.Loc); ok {
			r.EndMs = ms
		}
	case "local.app":
		r.App = v
	case "span.kind":
		r.Kind = v
	case "result.code":
		if len(r.Result) == 0 {
			r.Result = v
		}
	case "time.cost.milliseconds", "client.elapse.time", "server.duration", "mosn.duration":
		if ms, ok := parseCost(v); ok && r.CostMs < 0 {
			r.CostMs = ms
		}
	case "biz.impl.time", "server.pool.wait.time", "req.deserialize.time", "resp.serialize.time":
		if ms, ok := parseCost(v); ok {
			r.phaseMs += ms
			r.hasPhase = true
		}
	case "request.url":
		r.URL = v
	case "method":
		r.Method = v
	case "service":
		r.Service = v
	case "protocol":
		r.Protocol = v
	case "remote.app":
		r.RemoteApp = v
	case "remote.ip", "remote.host":
		if len(r.RemoteIP) == 0 {
			r.RemoteIP = v
		}
	case "local.client.ip", "local.host":
		r.LocalIP = v
	case "error":
		if len(v) > 0 && string(v) != "false" {
			r.ErrorText = v
		}
	case "msg.topic", "kafka.topic", "exchange", "sql", "db.statement", "msg.channel":
		if len(r.Target) == 0 {
			r.Target = v
		}
	}
}

// parseCost reads "5ms", "5", 5, "1.5ms", "2s", "300µs" as milliseconds.
func parseCost(v []byte) (int64, bool) {
	n, i := int64(0), 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' && i < 18 {
		n = n*10 + int64(v[i]-'0')
		i++
	}
	if i > 0 && (i == len(v) || string(v[i:]) == "ms") {
		return n, true
	}
	s := strings.TrimSpace(string(v))
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1e15 {
		return int64(f), true
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d.Milliseconds(), true
	}
	return 0, false
}

// Error reports whether the span failed: an error field, an RPC result
// code other than 00/0, or an HTTP status of 500 and above (or -1, no
// response).
func (r *Record) Error() bool {
	if len(r.ErrorText) > 0 {
		return true
	}
	return FailedCode(string(r.Result))
}

// FailedCode is the result-code part of Error.
func FailedCode(c string) bool {
	switch {
	case c == "" || c == "00" || c == "0":
		return false
	case c == "-1":
		return true
	case len(c) == 2 && c[0] == '0':
		return true
	case len(c) == 3 && c[0] >= '5' && c[0] <= '9':
		return true
	}
	return false
}

// Operation names the span: "GET url" for HTTP, "service/method" for RPC,
// the method, else what the line targets (topic, SQL).
func (r *Record) Operation() string { return string(r.AppendOperation(nil)) }

// AppendOperation appends what Operation returns.
func (r *Record) AppendOperation(dst []byte) []byte {
	switch {
	case len(r.URL) > 0:
		if len(r.Method) > 0 {
			dst = append(append(dst, r.Method...), ' ')
		}
		return append(dst, r.URL...)
	case len(r.Service) > 0 && len(r.Method) > 0:
		return append(append(append(dst, r.Service...), '/'), r.Method...)
	case len(r.Method) > 0:
		return append(dst, r.Method...)
	case len(r.Service) > 0:
		return append(dst, r.Service...)
	case len(r.Target) > 0:
		t := r.Target
		if len(t) > 80 {
			t = t[:80]
		}
		return append(dst, t...)
	}
	return dst
}
