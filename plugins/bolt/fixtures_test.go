package bolt

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fixture is one entry of bolt-fixtures.txt.
type fixture struct {
	name   string
	raw    []byte
	length int               // LENGTH: line
	blob   bool              // a header-map blob, not a frame
	fields map[string]string // "offset ..." lines: name -> value text
	pairs  []fixturePair     // header pairs in wire order
	// Frame parts.
	hasClass     bool
	class        string
	classLen     int
	emptyHeader  bool
	hasContent   bool
	contentLen   int
	contentHex   string // possibly a prefix
	contentTrunc bool
	crc          string // CRC32 trailer value, e.g. "0xfa4bbeb0"
	total        int    // "total length" line
}

type fixturePair struct {
	key, value     string
	keyLen, valLen int // as listed; -1 = null
}

var (
	reFixture  = regexp.MustCompile(`^FIXTURE (\S+):`)
	reField    = regexp.MustCompile(`^\s+offset \S+\s+(\w+)\s+= (.*)$`)
	reClass    = regexp.MustCompile(`^\s+class \((\d+) bytes at offset \d+\) =\s?(.*)$`)
	rePair     = regexp.MustCompile(`^\s+\[keyLen (-?\d+)\] (.*?) = \[valLen (-?\d+)\] '(.*)'$`)
	reBlobPair = regexp.MustCompile(`\[(-?\d+)\]'([^']*)'=\[(-?\d+)\]'([^']*)'`)
	reContent  = regexp.MustCompile(`^\s+content \((\d+) bytes at offset \d+\) =\s?([0-9a-f]*)(\.\.\.)?$`)
	reCRC      = regexp.MustCompile(`^\s+CRC32 trailer \(offset [^)]*\) = (0x[0-9a-f]{8})`)
	reTotal    = regexp.MustCompile(`^\s+total length = (\d+) bytes`)
	reLength   = regexp.MustCompile(`^LENGTH: (\d+) bytes`)
)

// fixturePath finds ../shared/reference/bolt-fixtures.txt beside the module
// root (the directory holding go.mod).
func fixturePath(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the package directory; cannot locate bolt-fixtures.txt")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "reference", "bolt-fixtures.txt")
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("Bolt fixture file is required but missing: %v (expected at <module root>/../shared/reference/bolt-fixtures.txt)", err)
	}
	return p
}

// loadFixtures parses bolt-fixtures.txt.
func loadFixtures(tb testing.TB) []*fixture {
	tb.Helper()
	f, err := os.Open(fixturePath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []*fixture
	var cur *fixture
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			tb.Fatalf("fixture %s: bad number %q", cur.name, s)
		}
		return n
	}
	for sc.Scan() {
		line := sc.Text()
		if m := reFixture.FindStringSubmatch(line); m != nil {
			cur = &fixture{name: m[1], fields: map[string]string{}}
			out = append(out, cur)
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "HEX: "):
			if cur.raw, err = hex.DecodeString(strings.TrimSpace(line[5:])); err != nil {
				tb.Fatalf("fixture %s: bad hex: %v", cur.name, err)
			}
		case reLength.MatchString(line):
			cur.length = atoi(reLength.FindStringSubmatch(line)[1])
		case strings.Contains(line, "Header-map blob only"):
			cur.blob = true
			for _, m := range reBlobPair.FindAllStringSubmatch(line, -1) {
				cur.pairs = append(cur.pairs, fixturePair{m[2], m[4], atoi(m[1]), atoi(m[3])})
			}
		case reField.MatchString(line):
			m := reField.FindStringSubmatch(line)
			cur.fields[m[1]] = m[2]
		case reClass.MatchString(line):
			m := reClass.FindStringSubmatch(line)
			cur.hasClass, cur.classLen, cur.class = true, atoi(m[1]), m[2]
		case rePair.MatchString(line):
			m := rePair.FindStringSubmatch(line)
			cur.pairs = append(cur.pairs, fixturePair{m[2], m[4], atoi(m[1]), atoi(m[3])})
		case strings.Contains(line, "header map: empty"):
			cur.emptyHeader = true
		case reContent.MatchString(line):
			m := reContent.FindStringSubmatch(line)
			cur.hasContent, cur.contentLen, cur.contentHex, cur.contentTrunc = true, atoi(m[1]), m[2], m[3] != ""
		case reCRC.MatchString(line):
			cur.crc = reCRC.FindStringSubmatch(line)[1]
		case reTotal.MatchString(line):
			cur.total = atoi(reTotal.FindStringSubmatch(line)[1])
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("no fixtures found in bolt-fixtures.txt")
	}
	return out
}

// fieldNum parses the leading number of a field value: "0x01 (Bolt v1)",
// "109 (0x0000006d)", "100 ms", "-1 ms".
func fieldNum(tb testing.TB, fx *fixture, name string) int64 {
	tb.Helper()
	v := strings.Fields(fx.fields[name])
	if len(v) == 0 {
		tb.Fatalf("fixture %s: field %s has no value", fx.name, name)
	}
	n, err := strconv.ParseInt(v[0], 0, 64)
	if err != nil {
		tb.Fatalf("fixture %s: field %s: %v", fx.name, name, err)
	}
	return n
}
