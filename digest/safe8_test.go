package digest

import "testing"

// TestSafe8 checks the 8-byte test against jsonSafe for every byte value
// at every position, among safe and unsafe neighbours.
func TestSafe8(t *testing.T) {
	for _, fill := range []byte{'a', 0x20, 0x7e, 0x21} {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte{fill, fill, fill, fill, fill, fill, fill, fill}
				b[pos] = byte(c)
				if got, want := safe8(string(b)), jsonSafe[c]; got != want {
					t.Fatalf("safe8(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
