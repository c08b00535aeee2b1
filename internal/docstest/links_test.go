package docstest

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// mdLink matches the target of a Markdown link or image: ](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// anchors returns the GitHub anchors of the headings of a Markdown file
// (lowercase, punctuation dropped, spaces as hyphens), outside code blocks.
func anchors(file string) (map[string]bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	inCode := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(l, "#") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, "#"))) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteByte('-')
			}
		}
		out[b.String()] = true
	}
	return out, sc.Err()
}

// Every relative link of README.md and docs/*.md names a file or directory
// of the repository, and every #anchor a heading of its Markdown file.
func TestDocLinksResolve(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	links := 0
	for _, rel := range docFiles(t, root) {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		inCode := false
		for n, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inCode = !inCode
			}
			if inCode {
				continue
			}
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				links++
				file, anchor, _ := strings.Cut(target, "#")
				dest := path.Join(path.Dir(rel), file)
				if file == "" {
					dest = rel
				}
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
					t.Errorf("%s:%d: link %s: %s does not exist", rel, n+1, target, dest)
					continue
				}
				if anchor == "" {
					continue
				}
				as, err := anchors(filepath.Join(root, filepath.FromSlash(dest)))
				if err != nil {
					t.Fatal(err)
				}
				if !as[anchor] {
					t.Errorf("%s:%d: link %s: %s has no heading #%s", rel, n+1, target, dest, anchor)
				}
			}
		}
	}
	if links == 0 {
		t.Fatal("no relative link found in README.md and docs/")
	}
}

// README.md stays a page a newcomer reads in two minutes.
func TestReadmeIsShort(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n >= 150 {
		t.Errorf("README.md has %d lines; keep it under 150 and move reference material to docs/", n)
	}
}
