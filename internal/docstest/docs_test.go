package docstest

import (
	"path/filepath"
	"strings"
	"testing"
)

// docFiles returns README.md and docs/*.md, relative to root.
func docFiles(t *testing.T, root string) []string {
	files := []string{"README.md"}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		files = append(files, "docs/"+filepath.Base(d))
	}
	return files
}

func collect(t *testing.T, root string, files []string) []snippet {
	var all []snippet
	for _, f := range files {
		s, err := snippets(root, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s...)
	}
	return all
}

// Every ```go block of README.md and docs/*.md compiles, following the
// convention of docs/README.md.
func TestDocSnippetsCompile(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files := docFiles(t, root)
	all := collect(t, root, files)
	if len(all) == 0 {
		t.Fatalf("no ```go block in %s", strings.Join(files, ", "))
	}
	for _, err := range compile(t, root, all) {
		t.Error(err)
	}
	t.Logf("%d snippets in %d files compile", len(all), len(files))
}

// The checker itself fails where it must: a snippet that does not compile,
// one importing a package no module provides; and it accepts fragments, complete files and fragments with
// leading imports, and a fragment importing a nested module.
func TestCheckerCatchesBadSnippets(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	const rel = "internal/docstest/testdata/"
	good := collect(t, root, []string{rel + "good.md"})
	if len(good) != 4 {
		t.Fatalf("good.md: %d snippets, want 4", len(good))
	}
	if errs := compile(t, root, good); len(errs) != 0 {
		t.Fatalf("good.md: %v", errs)
	}
	bad := collect(t, root, []string{rel + "bad.md"})
	errs := compile(t, root, bad)
	var text []string
	for _, e := range errs {
		text = append(text, e.Error())
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		rel + "bad.md:4: undefined: notDefined",
		rel + "bad.md:10: imports github.com/sofatracer/sofatracer-go/plugins/doesnotexist, which no module of this repository provides",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
}
