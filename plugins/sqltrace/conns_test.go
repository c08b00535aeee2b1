package sqltrace

import (
	"database/sql/driver"
	"testing"
)

// TestConnTypes: the wrapper made for each combination of optional
// interfaces has exactly that combination.
func TestConnTypes(t *testing.T) {
	for m := range connTypes {
		w := connTypes[m](&conn{})
		if got := connMask(w); got != m {
			t.Errorf("mask %#x: wrapper has %#x", m, got)
		}
		if !is[driver.ConnPrepareContext](w) {
			t.Errorf("mask %#x: no PrepareContext", m)
		}
	}
}
