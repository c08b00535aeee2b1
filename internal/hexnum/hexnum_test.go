package hexnum

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "a": 10, "Ff": 255, "00c0FFee": 0xc0ffee, "ffffffffffffffff": 1<<64 - 1} {
		if v, ok := Parse(in); !ok || v != want {
			t.Errorf("Parse(%q) = %x, %v; want %x", in, v, ok, want)
		}
		if v, ok := Parse([]byte(in)); !ok || v != want {
			t.Errorf("Parse([]byte %q) = %x, %v; want %x", in, v, ok, want)
		}
	}
	for _, in := range []string{"", "g", "12x4", "-1", "0x1", "11111111111111111"} {
		if v, ok := Parse(in); ok {
			t.Errorf("Parse(%q) = %x, true; want false", in, v)
		}
	}
}
