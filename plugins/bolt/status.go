package bolt

import "strconv"

// Status is a Bolt response status (com.alipay.remoting.ResponseStatus).
// The decoder accepts any value; the names below are the ones Java defines.
type Status uint16

// Response statuses, named after Java's ResponseStatus (StatusErr is ERROR;
// the name StatusError is taken by the error type). Note the jump from
// 0x0009 to 0x0010.
const (
	StatusSuccess                 Status = 0x0000 // SUCCESS
	StatusErr                     Status = 0x0001 // ERROR
	StatusServerException         Status = 0x0002 // SERVER_EXCEPTION: the server failed outside the service
	StatusUnknown                 Status = 0x0003 // UNKNOWN
	StatusServerThreadpoolBusy    Status = 0x0004 // SERVER_THREADPOOL_BUSY
	StatusErrorComm               Status = 0x0005 // ERROR_COMM: communication error
	StatusNoProcessor             Status = 0x0006 // NO_PROCESSOR: nothing serves the request
	StatusTimeout                 Status = 0x0007 // TIMEOUT
	StatusClientSendError         Status = 0x0008 // CLIENT_SEND_ERROR
	StatusCodecException          Status = 0x0009 // CODEC_EXCEPTION
	StatusConnectionClosed        Status = 0x0010 // CONNECTION_CLOSED (decimal 16)
	StatusServerSerialException   Status = 0x0011 // SERVER_SERIAL_EXCEPTION (17): response encoding failed
	StatusServerDeserialException Status = 0x0012 // SERVER_DESERIAL_EXCEPTION (18): request decoding failed
)

var statusNames = map[Status]string{
	StatusSuccess:                 "SUCCESS",
	StatusErr:                     "ERROR",
	StatusServerException:         "SERVER_EXCEPTION",
	StatusUnknown:                 "UNKNOWN",
	StatusServerThreadpoolBusy:    "SERVER_THREADPOOL_BUSY",
	StatusErrorComm:               "ERROR_COMM",
	StatusNoProcessor:             "NO_PROCESSOR",
	StatusTimeout:                 "TIMEOUT",
	StatusClientSendError:         "CLIENT_SEND_ERROR",
	StatusCodecException:          "CODEC_EXCEPTION",
	StatusConnectionClosed:        "CONNECTION_CLOSED",
	StatusServerSerialException:   "SERVER_SERIAL_EXCEPTION",
	StatusServerDeserialException: "SERVER_DESERIAL_EXCEPTION",
}

// String returns the Java name of s, or STATUS(0x....) for unknown values.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "STATUS(0x" + hex4(uint16(s)) + ")"
}

// Known reports whether s is one of the statuses Java defines.
func (s Status) Known() bool {
	_, ok := statusNames[s]
	return ok
}

func hex4(v uint16) string {
	s := strconv.FormatUint(uint64(v), 16)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}
