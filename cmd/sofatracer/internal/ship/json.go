package ship

import (
	"strconv"

	"github.com/sofatracer/sofatracer-go/digest"
)

func appendString(dst, s []byte) []byte { return digest.AppendJSONString(dst, string(s)) }

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
