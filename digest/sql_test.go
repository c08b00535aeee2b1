package digest_test

import (
	"strings"
	"testing"

	"github.com/sofatracer/sofatracer-go/digest"
)

func TestCleanSQL(t *testing.T) {
	for in, want := range map[string]string{
		"  SELECT a,\n\r  b | c  FROM t  ": "SELECT a, b c FROM t",
		"SELECT a  FROM t":                 "SELECT a FROM t",
		"SELECT a FROM t\t":                "SELECT a FROM t",
		"SELECT a, b FROM t":               "SELECT a, b FROM t",
		"":                                 "",
		strings.Repeat("x", 5000):          strings.Repeat("x", 4096) + " ...",
		strings.Repeat("é", 3000):          strings.Repeat("é", 2048) + " ...",
	} {
		if got := digest.CleanSQL(in); got != want {
			t.Errorf("CleanSQL(%.40q) = %.40q, want %.40q", in, got, want)
		}
	}
	if got := digest.SQLField("a,b"); got != "a%2Cb" {
		t.Errorf("SQLField: %q", got)
	}
}

// A statement that needs no cleaning costs no allocation.
func TestCleanSQLCleanAllocatesNothing(t *testing.T) {
	q := "SELECT name FROM orders WHERE id = $1"
	if n := testing.AllocsPerRun(100, func() { _ = digest.SQLField(digest.CleanSQL(q)) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}
