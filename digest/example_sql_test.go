package digest_test

import (
	"fmt"

	"github.com/sofatracer/sofatracer-go/digest"
)

// A database plugin sets the sql tag of a statement's span to its text as
// SOFATracer's DataSource layout writes it.
func ExampleCleanSQL() {
	q := "SELECT id, name\n  FROM orders\n WHERE id = $1 "
	fmt.Println(digest.SQLField(digest.CleanSQL(q)))
	// Output: SELECT id%2C name FROM orders WHERE id = $1
}
