package span

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// A SOFATracer TraceId is IPHEX + MILLIS + SEQ + PID, concatenated: the
// first non-loopback IPv4 address as 8 lowercase hex digits ("ffffffff"
// when there is none), the epoch milliseconds in decimal, a process-wide
// sequence cycling 1000..9001 and the process id. Its length varies with
// the pid; consumers must not assume 30 characters.

var (
	ipHex   = localIPHex()
	pidText = strconv.Itoa(os.Getpid())
	seq     atomic.Uint64
)

// LocalIP returns the address used in TraceIds: the first non-loopback IPv4
// address of the host, or "" when there is none.
func LocalIP() string { return localIP }

var localIP = firstIPv4()

func firstIPv4() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifaces {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() {
				continue
			}
			if v4 := ipn.IP.To4(); v4 != nil && !strings.Contains(ipn.IP.String(), ":") {
				return v4.String()
			}
		}
	}
	return ""
}

func localIPHex() string {
	ip := net.ParseIP(localIP).To4()
	if ip == nil {
		return "ffffffff"
	}
	const hexdig = "0123456789abcdef"
	b := make([]byte, 8)
	for i, o := range ip {
		b[2*i], b[2*i+1] = hexdig[o>>4], hexdig[o&15]
	}
	return string(b)
}

// nextSeq returns the next value of the process-wide TraceId sequence:
// 1001, 1002, ..., 9001, 1000, 1001, ... as SOFATracer does.
func nextSeq() uint64 { return 1000 + seq.Add(1)%8002 }

// AppendTraceID appends a new TraceId made at time now to dst.
func AppendTraceID(dst []byte, now time.Time) []byte {
	return appendTraceIDMilli(dst, now.UnixMilli())
}

func appendTraceIDMilli(dst []byte, ms int64) []byte {
	p := prefix.Load()
	if p == nil || p.ms != ms {
		p = &idPrefix{ms: ms}
		b := append(p.text[:0], ipHex...)
		b = strconv.AppendInt(b, ms, 10)
		p.n = len(b)
		prefix.Store(p)
	}
	dst = append(dst, p.text[:p.n]...)
	dst = appendSeq(dst, nextSeq())
	return append(dst, pidText...)
}

// idPrefix is the start of every TraceId made in one millisecond: the IP
// and the time, formatted once per millisecond.
type idPrefix struct {
	ms   int64
	n    int
	text [32]byte
}

var prefix atomic.Pointer[idPrefix]

// appendSeq appends a sequence number, which always has four digits
// (1000..9001), two at a time.
func appendSeq(dst []byte, v uint64) []byte {
	hi, lo := v/100*2, v%100*2
	return append(dst, digitPairs[hi], digitPairs[hi+1], digitPairs[lo], digitPairs[lo+1])
}

const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// NewTraceID returns a new TraceId made at time now.
func NewTraceID(now time.Time) string {
	var b [40]byte
	return string(AppendTraceID(b[:0], now))
}
