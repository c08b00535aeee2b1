package tracer_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestTracerGodocShowsOnlyUserMethods reads the package as go doc does:
// Tracer's exported methods are the ones users call, nothing that only
// spans or the tracer itself may call (Report, Refuse).
func TestTracerGodocShowsOnlyUserMethods(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/sofatracer/sofatracer-go/tracer")
	if err != nil {
		t.Fatal(err)
	}
	// ContextWithSpanHook implements opentracing-go's extension interface;
	// SetContextHook is how the OpenTelemetry bridge (sofaotel) joins.
	want := []string{"AppName", "Close", "ContextWithSpanHook", "Extract", "Inject", "LogDir", "Reporter", "SetContextHook", "StartSpan", "StartSpanFromContext", "Stats", "ZipkinStats"}
	for _, typ := range pkg.Types {
		if typ.Name != "Tracer" {
			continue
		}
		var got []string
		for _, m := range typ.Methods {
			got = append(got, m.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("go doc shows Tracer methods %v, want %v", got, want)
		}
		return
	}
	t.Fatal("no Tracer type in go doc")
}
