package docstest

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
)

// A snippet is one ```go block of a Markdown file.
type snippet struct {
	file string // relative to the repository root, slash-separated
	line int    // line of the first line of code (after the fence)
	code string
}

func (s snippet) String() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

// snippets returns the ```go blocks of the Markdown file root/rel. A block
// opens with a line that is exactly ```go (after trimming spaces) and closes
// with the next line that is exactly ```.
func snippets(root, rel string) ([]snippet, error) {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out  []snippet
		cur  *snippet
		body strings.Builder
		n    int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &snippet{file: rel, line: n + 1}
			body.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.code = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: the ```go block is not closed", cur)
	}
	return out, sc.Err()
}

// source turns a snippet into a Go file whose positions (through //line
// directives) are the snippet's lines in its Markdown file.
//
// A snippet whose first line that is neither blank nor a // comment starts
// with "package " is a complete file, compiled as it is. Any other snippet
// is a fragment: its leading import declarations (import "x" or
// import ( ... ), only blank and comment lines between them) go to the top
// of a file of package main, the rest becomes the body of func main, and
// every variable the fragment declares at the top level of that body (with
// := or var) is marked used.
func source(s snippet) string {
	lines := strings.Split(strings.TrimSuffix(s.code, "\n"), "\n")
	first := 0
	for first < len(lines) && isBlankOrComment(lines[first]) {
		first++
	}
	if first < len(lines) && strings.HasPrefix(lines[first], "package ") {
		return lineDirective(s, 0) + s.code
	}
	// Leading import declarations.
	end := 0
scan:
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case isBlankOrComment(lines[i]):
			continue
		case l == "import (":
			for i < len(lines) && strings.TrimSpace(lines[i]) != ")" {
				i++
			}
			end = i + 1
			continue
		case strings.HasPrefix(l, "import "):
			end = i + 1
			continue
		}
		break scan
	}
	var b strings.Builder
	b.WriteString("package main\n\n")
	if end > 0 {
		b.WriteString(lineDirective(s, 0))
		b.WriteString(strings.Join(lines[:end], "\n"))
		b.WriteString("\n")
	}
	b.WriteString("\nfunc main() {\n")
	b.WriteString(lineDirective(s, end))
	body := strings.Join(lines[end:], "\n")
	b.WriteString(body)
	b.WriteString("\n")
	for _, name := range declared(body) {
		fmt.Fprintf(&b, "\t_ = %s\n", name)
	}
	b.WriteString("}\n")
	return b.String()
}

// lineDirective makes the compiler report the next line as line i of s.
func lineDirective(s snippet, i int) string {
	return fmt.Sprintf("//line %s:%d\n", s.file, s.line+i)
}

func isBlankOrComment(line string) bool {
	l := strings.TrimSpace(line)
	return l == "" || strings.HasPrefix(l, "//")
}

// declared returns the variables that the statements of body declare at
// their top level, in order, without duplicates. A body that does not parse
// has none: the compiler reports its syntax error.
func declared(body string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+body+"\n}\n", parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	var names []string
	seen := map[string]bool{"_": true}
	add := func(id *ast.Ident) {
		if !seen[id.Name] {
			seen[id.Name] = true
			names = append(names, id.Name)
		}
	}
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, e := range st.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, sp := range gd.Specs {
					for _, id := range sp.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	return names
}

// imports returns the import paths of a Go file.
func imports(src string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, is := range f.Imports {
		paths = append(paths, strings.Trim(is.Path.Value, "\"`"))
	}
	return paths, nil
}
