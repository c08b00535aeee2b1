package span

import (
	"testing"
	"unsafe"
)

// The heap held by an unfinished span is part of the product's footprint:
// a Span with up to three tags must stay in the 256-byte size class.
func TestSpanFitsIn256Bytes(t *testing.T) {
	if got := unsafe.Sizeof(Span{}); got > 256 {
		t.Fatalf("Span is %d bytes, want <= 256", got)
	}
}
