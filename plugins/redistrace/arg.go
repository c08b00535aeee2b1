package redistrace

import (
	"fmt"
	"strconv"
)

// appendArg appends a command argument as text, at most room bytes of it.
func appendArg(dst []byte, a any, room int) []byte {
	if room <= 0 {
		return dst
	}
	switch v := a.(type) {
	case string:
		return append(dst, v[:min(len(v), room)]...)
	case []byte:
		return append(dst, v[:min(len(v), room)]...)
	}
	n := len(dst)
	switch v := a.(type) {
	case int:
		dst = strconv.AppendInt(dst, int64(v), 10)
	case int64:
		dst = strconv.AppendInt(dst, v, 10)
	case float64:
		dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
	case bool:
		dst = strconv.AppendBool(dst, v)
	default:
		dst = fmt.Append(dst, a)
	}
	return dst[:min(len(dst), n+room)]
}
