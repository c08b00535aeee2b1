package redistrace

import (
	"fmt"
	"strconv"
)

// appendArg appends a command argument as text.
func appendArg(dst []byte, a any) []byte {
	switch v := a.(type) {
	case string:
		return append(dst, v...)
	case []byte:
		return append(dst, v...)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case float64:
		return strconv.AppendFloat(dst, v, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(dst, v)
	}
	return fmt.Append(dst, a)
}
