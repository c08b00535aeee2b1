package span_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sofatracer/sofatracer-go/span"
)

func TestNextChildID(t *testing.T) {
	tests := []struct {
		parent string
		want   []string
	}{
		{"0", []string{"0.1", "0.2", "0.3"}},
		{"0.1", []string{"0.1.1", "0.1.2"}},
		{"0.2", []string{"0.2.1", "0.2.2"}},
		{"0.9.10", []string{"0.9.10.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.parent, func(t *testing.T) {
			c := span.NewContext("0a0fe9271567477985327100211176", tt.parent, span.ParentOf(tt.parent), true)
			for _, want := range tt.want {
				got := c.NextChildID()
				if got != want {
					t.Fatalf("NextChildID() = %q, want %q", got, want)
				}
				if p := span.ParentOf(got); p != tt.parent {
					t.Errorf("ParentOf(%q) = %q, want %q", got, p, tt.parent)
				}
			}
		})
	}
}

// The counter belongs to the context, not the trace: two contexts with the
// same ids number their children independently.
func TestNextChildIDCounterPerContext(t *testing.T) {
	a := span.NewContext("t", "0", "", true)
	b := span.NewContext("t", "0", "", true)
	a.NextChildID()
	a.NextChildID()
	if got := b.NextChildID(); got != "0.1" {
		t.Errorf("second context's first child = %q, want 0.1", got)
	}
	if got := a.NextChildID(); got != "0.3" {
		t.Errorf("first context's third child = %q, want 0.3", got)
	}
}

func TestNextChildIDConcurrent(t *testing.T) {
	const workers, per = 8, 1000
	c := span.NewContext("t", "0.1", "0", true)
	var wg sync.WaitGroup
	got := make([][]string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				got[w] = append(got[w], c.NextChildID())
			}
		}()
	}
	wg.Wait()
	seen := make(map[string]bool, workers*per)
	for _, ids := range got {
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("duplicate child id %q", id)
			}
			seen[id] = true
		}
	}
	for i := 1; i <= workers*per; i++ {
		if id := fmt.Sprintf("0.1.%d", i); !seen[id] {
			t.Fatalf("child id %q missing: ids must be exactly 0.1.1..0.1.%d", id, workers*per)
		}
	}
}

func TestNextChildIDHexFormats(t *testing.T) {
	for _, f := range []span.Format{span.FormatB3, span.FormatW3C} {
		c := span.NewContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "", true)
		c.Format = f
		seen := map[string]bool{}
		for range 100 {
			id := c.NextChildID()
			if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" || strings.Trim(id, "0") == "" {
				t.Fatalf("format %d: child id %q, want 16 lowercase hex digits, not all zero", f, id)
			}
			if seen[id] {
				t.Fatalf("format %d: repeated random child id %q", f, id)
			}
			seen[id] = true
		}
	}
}

func TestNewHexID(t *testing.T) {
	for range 1000 {
		id := span.NewHexID()
		if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" || strings.Trim(id, "0") == "" {
			t.Fatalf("NewHexID() = %q", id)
		}
	}
}

func TestParentOf(t *testing.T) {
	tests := []struct{ id, want string }{
		{"0", ""},
		{"", ""},
		{"0.1", "0"},
		{"0.1.2", "0.1"},
		{"0.12.345", "0.12"},
		{"00f067aa0ba902b7", ""},
		{".", ""},
		{"0.", "0"},
	}
	for _, tt := range tests {
		if got := span.ParentOf(tt.id); got != tt.want {
			t.Errorf("ParentOf(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestTooDeep(t *testing.T) {
	depth := func(n int) string { // an id with n dots
		return "0" + strings.Repeat(".1", n)
	}
	tests := []struct {
		id   string
		want bool
	}{
		{"0", false},
		{depth(span.MaxDepth - 1), false},
		{depth(span.MaxDepth), true},
		{depth(span.MaxDepth + 5), true},
	}
	for _, tt := range tests {
		c := span.NewContext("t", tt.id, "", true)
		if got := c.TooDeep(); got != tt.want {
			t.Errorf("TooDeep(%d dots) = %v, want %v", strings.Count(tt.id, "."), got, tt.want)
		}
	}
}

func TestContextBaggageAccessors(t *testing.T) {
	c := span.NewContext("t", "0", "", false)
	if c.Sampled() {
		t.Error("Sampled() = true, want false")
	}
	if b := c.Baggage(); b == nil || !b.Empty() {
		t.Fatalf("Baggage() of a new context = %v, want empty non-nil", b)
	}
	b := (&span.Baggage{}).WithBiz("mark", "T", 0).WithSys("zone", "gz00a", 0)
	c.SetBaggage(b)
	if got := c.BaggageItem("mark"); got != "T" {
		t.Errorf("BaggageItem(mark) = %q", got)
	}
	if got := c.SysBaggageItem("zone"); got != "gz00a" {
		t.Errorf("SysBaggageItem(zone) = %q", got)
	}
	if !c.IsLoadTest() {
		t.Error("IsLoadTest() = false with mark=T")
	}
	var seen []string
	c.ForeachBaggageItem(func(k, v string) bool { seen = append(seen, k+"="+v); return true })
	if strings.Join(seen, ",") != "mark=T,zone=gz00a" {
		t.Errorf("ForeachBaggageItem visited %v, want biz then sys", seen)
	}
	n := 0
	c.ForeachBaggageItem(func(k, v string) bool { n++; return false })
	if n != 1 {
		t.Errorf("ForeachBaggageItem went on after false: %d calls", n)
	}
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want error
	}{
		{"SOFA trace id", "0a0fe9271567477985327100211176", nil},
		{"SOFA trace id 7-digit pid", "c0a80d9e15280154458281011234567", nil},
		{"no-IP trace id", "ffffffff1567477985327100211176", nil},
		{"SOFA span id", "0.1.2.3", nil},
		{"B3 64-bit", "00f067aa0ba902b7", nil},
		{"B3 128-bit", "4bf92f3577b34da6a3ce929d0e0e4736", nil},
		{"uuid-ish", "123e4567-e89b-12d3-a456-426614174000", nil},
		{"load-test suffix", "0a0fe9271567477985327100211176T", nil},
		{"max length", strings.Repeat("a", span.MaxIDLength), nil},
		{"deep span id", "0" + strings.Repeat(".99", 100), nil},
		{"printable punctuation", "a-b_c.d:e/f+g~h", nil},
		{"empty", "", span.ErrIDEmpty},
		{"too long", strings.Repeat("a", span.MaxIDLength+1), span.ErrIDTooLong},
		{"very long", strings.Repeat("0", 1<<16), span.ErrIDTooLong},
		{"space", "abc def", span.ErrIDBadChar},
		{"tab", "abc\tdef", span.ErrIDBadChar},
		{"newline", "abc\ndef", span.ErrIDBadChar},
		{"carriage return", "abc\r", span.ErrIDBadChar},
		{"NUL", "a\x00", span.ErrIDBadChar},
		{"DEL", "a\x7f", span.ErrIDBadChar},
		{"double quote", `a"b`, span.ErrIDBadChar},
		{"single quote", "a'b", span.ErrIDBadChar},
		{"backslash", `a\b`, span.ErrIDBadChar},
		{"comma", "a,b", span.ErrIDBadChar},
		{"ampersand", "a&b", span.ErrIDBadChar},
		{"equals", "a=b", span.ErrIDBadChar},
		{"percent", "a%20b", span.ErrIDBadChar},
		{"non-ASCII", "abcé", span.ErrIDBadChar},
		{"invalid UTF-8", "abc\xff", span.ErrIDBadChar},
		{"U+2028", "a\u2028b", span.ErrIDBadChar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := span.ValidateID(tt.id)
			if !errors.Is(err, tt.want) {
				t.Errorf("ValidateID(%.40q) = %v, want %v", tt.id, err, tt.want)
			}
		})
	}
}
