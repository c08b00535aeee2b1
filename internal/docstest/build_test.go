package docstest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// rootModule is the module path of the SDK; a snippet's imports under it
// decide which module of the repository builds the snippet.
const rootModule = "github.com/sofatracer/sofatracer-go"

// A module is a go.mod of the repository.
type module struct {
	path string // module path
	dir  string // absolute directory
}

// repoRoot is the directory of the go.mod that declares rootModule, found
// upwards from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if p, _ := modulePath(filepath.Join(dir, "go.mod")); p == rootModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", rootModule)
		}
		dir = parent
	}
}

// modulePath reads the module line of a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), "\""), nil
		}
	}
	return "", fmt.Errorf("%s has no module line", gomod)
}

// modules returns every module of the repository at root (directories
// named testdata, or starting with . or _, are skipped, as go does).
func modules(root string) ([]module, error) {
	var mods []module
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		if d.Name() != "go.mod" || d.IsDir() {
			return nil
		}
		mp, err := modulePath(p)
		if err != nil {
			return err
		}
		mods = append(mods, module{path: mp, dir: filepath.Dir(p)})
		return nil
	})
	return mods, err
}

// owner returns the module whose path is the longest prefix of the import
// path, and the package's directory in it.
func owner(mods []module, importPath string) (module, string, bool) {
	var best module
	found := false
	for _, m := range mods {
		if (importPath == m.path || strings.HasPrefix(importPath, m.path+"/")) && len(m.path) > len(best.path) {
			best, found = m, true
		}
	}
	if !found {
		return module{}, "", false
	}
	return best, filepath.Join(best.dir, filepath.FromSlash(strings.TrimPrefix(importPath, best.path))), true
}

// hasGoFiles reports whether dir holds a .go file that is not a test.
func hasGoFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}

// buildModule picks the module that builds a snippet: the one that owns its
// deepest import of this repository (the root module when there is none).
// A snippet that imports a package no module of the repository holds, or
// packages of two nested modules, gets an error saying so.
func buildModule(mods []module, root module, s snippet, src string) (module, error) {
	paths, err := imports(src)
	if err != nil {
		return root, nil // the compiler reports the syntax error
	}
	use := root
	for _, p := range paths {
		if p != rootModule && !strings.HasPrefix(p, rootModule+"/") {
			continue
		}
		m, dir, _ := owner(mods, p)
		if !hasGoFiles(dir) {
			return root, fmt.Errorf("%s: imports %s, which no module of this repository provides (no Go package at %s; a nested module needs its go.mod with module path %s or a prefix of it)", s, p, dir, p)
		}
		switch {
		case m.path == root.path || m.path == use.path:
		case use.path == root.path:
			use = m
		default:
			return root, fmt.Errorf("%s: imports packages of two nested modules, %s and %s; split the snippet", s, use.path, m.path)
		}
	}
	return use, nil
}

// compile builds the snippets with the go command, all snippets of one
// module in one `go build -overlay` run: snippet i becomes
// <module dir>/zz_docsnippet/s<i>/main.go in the overlay only, so nothing
// is written into the repository. It returns one error per failure.
func compile(t *testing.T, root string, all []snippet) []error {
	mods, err := modules(root)
	if err != nil {
		return []error{err}
	}
	var rootMod module
	for _, m := range mods {
		if m.path == rootModule {
			rootMod = m
		}
	}
	var errs []error
	byModule := map[module][]int{}
	sources := make([]string, len(all))
	for i, s := range all {
		sources[i] = source(s)
		m, err := buildModule(mods, rootMod, s, sources[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		byModule[m] = append(byModule[m], i)
	}
	tmp := t.TempDir()
	ms := make([]module, 0, len(byModule))
	for m := range byModule {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].path < ms[j].path })
	for _, m := range ms {
		overlay := map[string]string{}
		args := []string{"build", "-overlay", filepath.Join(tmp, filepath.Base(m.dir)+"-overlay.json")}
		var where []string
		for _, i := range byModule[m] {
			content := filepath.Join(tmp, fmt.Sprintf("s%d.go", i))
			if err := os.WriteFile(content, []byte(sources[i]), 0o644); err != nil {
				return append(errs, err)
			}
			pkg := fmt.Sprintf("zz_docsnippet/s%d", i)
			overlay[filepath.Join(m.dir, pkg, "main.go")] = content
			args = append(args, "./"+pkg)
			where = append(where, all[i].String())
		}
		// An empty library package as well: go build given several
		// packages only checks them, it never links or writes a binary.
		empty := filepath.Join(tmp, "empty.go")
		if err := os.WriteFile(empty, []byte("package empty\n"), 0o644); err != nil {
			return append(errs, err)
		}
		overlay[filepath.Join(m.dir, "zz_docsnippet", "empty", "empty.go")] = empty
		args = append(args, "./zz_docsnippet/empty")
		js, err := json.Marshal(map[string]any{"Replace": overlay})
		if err != nil {
			return append(errs, err)
		}
		if err := os.WriteFile(args[2], js, 0o644); err != nil {
			return append(errs, err)
		}
		before := names(m.dir)
		cmd := exec.Command("go", args...)
		cmd.Dir = m.dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("snippets built in module %s (%s) do not compile: %v\n%s", m.path, strings.Join(where, ", "), err, out))
		}
		for n := range names(m.dir) {
			if !before[n] {
				errs = append(errs, fmt.Errorf("building the snippets wrote %s into the repository", filepath.Join(m.dir, n)))
			}
		}
	}
	return errs
}

// names returns the names in dir.
func names(dir string) map[string]bool {
	out := map[string]bool{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		out[e.Name()] = true
	}
	return out
}
