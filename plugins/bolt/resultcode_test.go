package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

// Frames a Java SOFARPC server sends, written here byte by byte as
// sofa-hessian's Hessian2Output writes them (class definition 'C', instance
// 0x60+n, fields in JavaSerializer's order), independently of hessian.go.

// jstr is a Hessian 2 string of fewer than 1024 ASCII characters.
func jstr(s string) []byte {
	if len(s) < 32 {
		return append([]byte{byte(len(s))}, s...)
	}
	return append([]byte{0x30 + byte(len(s)>>8), byte(len(s))}, s...)
}

func jcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// javaSofaResponseDef is the class definition of SofaResponse.
var javaSofaResponseDef = jcat([]byte{'C'}, jstr("com.alipay.sofa.rpc.core.response.SofaResponse"), []byte{0x94},
	jstr("isError"), jstr("errorMsg"), jstr("appResponse"), jstr("responseProps"))

// javaErrorProps is responseProps {sofa_head_response_error: "true"}, which
// SofaRpcSerialization adds before the body is written.
var javaErrorProps = jcat([]byte{'H'}, jstr("sofa_head_response_error"), jstr("true"), []byte{'Z'})

// javaBusinessError is the body of a SofaResponse whose service threw
// com.example.InsufficientFundsException("insufficient funds"): isError
// false, errorMsg null, the exception (cause = itself, one stack frame,
// no suppressed exceptions) as appResponse.
var javaBusinessError = jcat(javaSofaResponseDef, []byte{0x60, 'F', 'N'},
	[]byte{'C'}, jstr("com.example.InsufficientFundsException"), []byte{0x94},
	jstr("detailMessage"), jstr("cause"), jstr("stackTrace"), jstr("suppressedExceptions"),
	[]byte{0x61}, jstr("insufficient funds"), []byte{0x51, 0x91}, // cause: ref 1, itself
	[]byte{0x71}, jstr("[java.lang.StackTraceElement"),
	[]byte{'C'}, jstr("java.lang.StackTraceElement"), []byte{0x94},
	jstr("declaringClass"), jstr("methodName"), jstr("fileName"), jstr("lineNumber"),
	[]byte{0x62}, jstr("com.example.AccountServiceImpl"), jstr("debit"), jstr("AccountServiceImpl.java"), []byte{0x90 + 42},
	[]byte{0x70}, jstr("java.util.Collections$UnmodifiableRandomAccessList"),
	javaErrorProps)

// javaFrameworkError is the body of the SofaResponse SOFARPC's
// BoltServerProcessor sends when it finds no service: isError true.
var javaFrameworkError = jcat(javaSofaResponseDef, []byte{0x60, 'T'},
	jstr("Cannot find invoker of service com.example.Svc:1.0"), []byte{'N'}, javaErrorProps)

// javaReply is the body of a SofaResponse with appResponse "pong".
var javaReply = jcat(javaSofaResponseDef, []byte{0x60, 'F', 'N'}, jstr("pong"), []byte{'N'})

// everyStatus is every Bolt response status Java defines and one it does not.
var everyStatus = []Status{StatusSuccess, StatusErr, StatusServerException, StatusUnknown, StatusServerThreadpoolBusy,
	StatusErrorComm, StatusNoProcessor, StatusTimeout, StatusClientSendError, StatusCodecException,
	StatusConnectionClosed, StatusServerSerialException, StatusServerDeserialException, Status(0xc8)}

// sofarpcStatusCode is the result code SOFARPC's client logs for a response
// status: RpcResponseResolver turns TIMEOUT into InvokeTimeoutException,
// which BoltClientTransport makes a CLIENT_TIMEOUT (03); every other error
// status becomes another SofaRpcException type, logged 02.
func sofarpcStatusCode(s Status) string {
	switch s {
	case StatusSuccess:
		return "00"
	case StatusTimeout:
		return "03"
	}
	return "02"
}

// TestClientMapsEveryStatus: a peer answers with each Bolt status; our
// client logs the code SOFARPC's client logs and returns a *StatusError.
func TestClientMapsEveryStatus(t *testing.T) {
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		for {
			f, err := dec.Decode()
			if err != nil {
				return
			}
			req := f.(*Request)
			var s Status
			fmt.Sscanf(req.Method, "status-%x", &s)
			writeResponse(t, conn, &Response{ID: req.ID, Version: 1, Codec: req.Codec, Status: s, Content: []byte("x")})
		}
	})
	ctr := newTestTracer(t, "client")
	c := dial(t, addr, WithTracer(ctr))
	for _, s := range everyStatus {
		_, err := c.Call(bg(t), &Request{Service: "svc", Method: fmt.Sprintf("status-%04x", uint16(s)), Codec: CodecHessian2})
		var se *StatusError
		if (s == StatusSuccess) != (err == nil) || (err != nil && (!errors.As(err, &se) || se.Status != s)) {
			t.Errorf("%v: err %v", s, err)
		}
	}
	lines := digestLines(t, ctr, "rpc-client-digest.log")
	if len(lines) != len(everyStatus) {
		t.Fatalf("%d client lines, want %d", len(lines), len(everyStatus))
	}
	for _, l := range lines {
		var s Status
		fmt.Sscanf(l["method"].(string), "status-%x", &s)
		if want := sofarpcStatusCode(s); l["result.code"] != want {
			t.Errorf("%v: result.code %v, want %s", s, l["result.code"], want)
		}
	}
}

// TestClientReadsJavaServerErrors plays a Java server's answers to our
// client: sofa-bolt's SERVER_EXCEPTION frame (fixture F4, captured), and
// SOFARPC's business-error and framework-error responses.
func TestClientReadsJavaServerErrors(t *testing.T) {
	var f4 []byte
	for _, fx := range loadFixtures(t) {
		if fx.name == "F4" {
			f4 = fx.raw
		}
	}
	marked := Header{{KeyResponseError, "true"}}
	addr := rawServer(t, func(conn net.Conn, dec *Decoder) {
		for {
			f, err := dec.Decode()
			if err != nil {
				return
			}
			req := f.(*Request)
			resp := &Response{ID: req.ID, Version: 1, Codec: CodecHessian2, Class: ClassSofaResponse}
			switch req.Method {
			case "server-exception":
				b := bytes.Clone(f4)
				binary.BigEndian.PutUint32(b[5:], req.ID)
				conn.Write(b)
				continue
			case "business":
				resp.Header, resp.Content = marked, javaBusinessError
			case "framework":
				resp.Header, resp.Content = marked, javaFrameworkError
			case "protobuf-business": // SOFARPC's protobuf serializer: the message alone
				resp.Codec, resp.Header, resp.Content = CodecProtobuf, marked, []byte("insufficient funds")
			default:
				resp.Content = javaReply
			}
			writeResponse(t, conn, resp)
		}
	})
	ctr := newTestTracer(t, "client")
	c := dial(t, addr, WithTracer(ctr))
	want := map[string]string{}
	for _, tc := range []struct {
		method, code string
		check        func(error) bool
	}{
		{"ok", "00", func(err error) bool { return err == nil }},
		{"server-exception", "02", func(err error) bool {
			var se *StatusError
			return errors.As(err, &se) && se.Status == StatusServerException
		}},
		{"business", "01", func(err error) bool {
			var re *RemoteError
			return errors.As(err, &re) && re.Business && re.Message == "insufficient funds"
		}},
		{"framework", "02", func(err error) bool {
			var re *RemoteError
			return errors.As(err, &re) && !re.Business && re.Message == "Cannot find invoker of service com.example.Svc:1.0"
		}},
		{"protobuf-business", "02", func(err error) bool {
			var re *RemoteError
			return errors.As(err, &re) && !re.Business && re.Message == "insufficient funds"
		}},
	} {
		_, err := c.Call(bg(t), &Request{Service: "com.example.Svc:1.0", Method: tc.method, Codec: CodecHessian2})
		if !tc.check(err) {
			t.Errorf("%s: err %v", tc.method, err)
		}
		want[tc.method] = tc.code
	}
	lines := digestLines(t, ctr, "rpc-client-digest.log")
	if len(lines) != len(want) {
		t.Fatalf("%d client lines, want %d", len(lines), len(want))
	}
	for _, l := range lines {
		if m := l["method"].(string); l["result.code"] != want[m] {
			t.Errorf("%s: result.code %v, want %s", m, l["result.code"], want[m])
		}
	}
}

// javaClientCode decodes a response as SOFARPC's Bolt client does and
// returns the result code its tracer logs: by status as sofarpcStatusCode;
// for SUCCESS it deserializes the Hessian SofaResponse: isError true is 02,
// an appResponse that is a Throwable (or the sofa_head_response_error
// property) 01, else 00. A body it cannot deserialize fails the call: 02.
func javaClientCode(resp *Response) (code, detail string) {
	if resp.Status != StatusSuccess {
		return sofarpcStatusCode(resp.Status), printable(resp.Content)
	}
	body, ok := bytes.CutPrefix(resp.Content, append(bytes.Clone(javaSofaResponseDef), 0x60))
	if !ok || resp.Class != ClassSofaResponse || len(body) < 2 {
		return "02", "not a SofaResponse"
	}
	switch {
	case body[0] == 'T':
		return "02", "isError"
	case body[0] != 'F' || body[1] != 'N':
		return "02", "bad isError/errorMsg"
	}
	// appResponse: a Throwable is a business exception.
	throwable := jcat([]byte{'C'}, jstr("java.lang.RuntimeException"), []byte{0x91}, jstr("detailMessage"), []byte{0x61})
	if rest, ok := bytes.CutPrefix(body[2:], throwable); ok {
		if resp.Header.Get(KeyResponseError) != "true" || len(rest) == 0 || int(rest[0]) >= len(rest) {
			return "02", "unmarked exception"
		}
		return "01", string(rest[1 : 1+int(rest[0])])
	}
	if resp.Header.Get(KeyResponseError) == "true" {
		return "01", ""
	}
	return "00", ""
}

// TestServerAnswersAsSOFARPC: our traced server answers requests from a
// client that decodes them as SOFARPC's Bolt client does; both sides log
// the same code: 01 for a business error or a panic, 02 for a framework
// failure, 03 for a timeout.
func TestServerAnswersAsSOFARPC(t *testing.T) {
	str := newTestTracer(t, "server")
	_, addr := startServer(t, HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		switch req.Method {
		case "business":
			return nil, errors.New("insufficient funds")
		case "panic":
			panic("nil map")
		case "framework":
			return nil, &StatusError{Status: StatusServerException, Message: "broken"}
		case "busy":
			return nil, &StatusError{Status: StatusServerThreadpoolBusy}
		case "timeout":
			return nil, context.DeadlineExceeded
		}
		return &Response{Class: ClassSofaResponse, Content: javaReply}, nil
	}), WithTracer(str))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dec := NewDecoder(conn)
	want := map[string]string{"ok": "00", "business": "01", "panic": "01", "framework": "02", "busy": "02", "timeout": "03"}
	wantDetail := map[string]string{"business": "insufficient funds", "panic": "bolt: handler panic: nil map"}
	var id uint32
	for _, m := range []string{"ok", "business", "panic", "framework", "busy", "timeout"} {
		id++
		b, _ := AppendRequest(nil, &Request{ID: id, Version: 1, Codec: CodecHessian2, Service: "com.example.Svc:1.0", Method: m,
			Class: ClassSofaRequest, Timeout: -1})
		conn.Write(b)
		f, err := dec.Decode()
		if err != nil {
			t.Fatal(err)
		}
		code, detail := javaClientCode(f.(*Response))
		if code != want[m] || (wantDetail[m] != "" && detail != wantDetail[m]) {
			t.Errorf("%s: a SOFARPC client logs %s (%s), want %s", m, code, detail, want[m])
		}
	}
	lines := digestLines(t, str, "rpc-server-digest.log")
	if len(lines) != len(want) {
		t.Fatalf("%d server lines, want %d", len(lines), len(want))
	}
	for _, l := range lines {
		m := l["method"].(string)
		if l["result.code"] != want[m] {
			t.Errorf("server %s: result.code %v, want %s", m, l["result.code"], want[m])
		}
		if (m == "ok") != (l["error"] == nil) {
			t.Errorf("server %s: error field %v", m, l["error"])
		}
	}
}

// TestHessianStrings: the writer counts UTF-16 units and chunks long
// strings; the reader reads them back, and reads the Hessian 2.0 draft's
// class definitions that older Java Bolt servers write.
func TestHessianStrings(t *testing.T) {
	for _, s := range []string{"", "a", "naïve 😀", strings.Repeat("x", 31), strings.Repeat("é", 1023), strings.Repeat("y", 1024), strings.Repeat("z", 70000)} {
		body := appendBusinessError(nil, s)
		isError, msg, ok := readSofaResponse(body)
		if !ok || isError || msg != s {
			t.Errorf("%.20q: read back %v %v %.20q", s, ok, isError, msg)
		}
	}
	if b := appendHString(nil, "😀"); !bytes.Equal(b, []byte{2, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80}) {
		t.Errorf("supplementary character: % x, want two 3-byte surrogates", b)
	}
	draft := jcat([]byte{'O', 0x90 + 46}, []byte(ClassSofaResponse), []byte{0x92}, jstr("isError"), jstr("errorMsg"), []byte{'o', 0x90, 'T'}, jstr("no provider"))
	if isError, msg, ok := readSofaResponse(draft); !ok || !isError || msg != "no provider" {
		t.Errorf("draft form: %v %v %q", ok, isError, msg)
	}
	for _, bad := range [][]byte{nil, {'C'}, []byte("insufficient funds"), javaSofaResponseDef, jcat(javaSofaResponseDef, []byte{0x60, 'X'})} {
		if _, _, ok := readSofaResponse(bad); ok {
			t.Errorf("% x read as a SofaResponse", bad)
		}
	}
}

// FuzzReadSofaResponse: any body is read without panicking, and a
// business-error body written by appendBusinessError reads back.
func FuzzReadSofaResponse(f *testing.F) {
	for _, seed := range [][]byte{javaBusinessError, javaFrameworkError, javaReply, appendBusinessError(nil, "x")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		readSofaResponse(body)
		msg := strings.ToValidUTF8(string(body), "\uFFFD")
		if isError, got, ok := readSofaResponse(appendBusinessError(nil, msg)); !ok || isError || got != msg {
			t.Fatalf("%q read back as %v %v %q", msg, ok, isError, got)
		}
	})
}
