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
	seq     atomic.Int32
)

func init() { seq.Store(1000) }

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
func nextSeq() int32 {
	for {
		cur := seq.Load()
		next := cur + 1
		if cur > 9000 {
			next = 1000
		}
		if seq.CompareAndSwap(cur, next) {
			return next
		}
	}
}

// AppendTraceID appends a new TraceId made at time now to dst.
func AppendTraceID(dst []byte, now time.Time) []byte {
	dst = append(dst, ipHex...)
	dst = strconv.AppendInt(dst, now.UnixMilli(), 10)
	dst = strconv.AppendInt(dst, int64(nextSeq()), 10)
	return append(dst, pidText...)
}

// NewTraceID returns a new TraceId made at time now.
func NewTraceID(now time.Time) string {
	var b [40]byte
	return string(AppendTraceID(b[:0], now))
}
