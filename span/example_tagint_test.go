package span_test

import (
	"fmt"

	"github.com/sofatracer/sofatracer-go/span"
)

// A reporter writes integer tags as numbers and the rest as text.
func ExampleTagInt() {
	for _, v := range []any{int32(404), uint64(1) << 63, "GET"} {
		if n, ok := span.TagInt(v); ok {
			fmt.Println("number", n)
		} else {
			fmt.Println("text", span.TagText(v))
		}
	}
	// Output:
	// number 404
	// text 9223372036854775808
	// text GET
}
