package digest_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/quick"
	"unicode/utf8"

	"github.com/sofatracer/sofatracer-go/digest"
)

// replaceInvalid replaces each byte of s that is not part of valid UTF-8
// with U+FFFD, one replacement per byte (as encoding/json does).
func replaceInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// checkJSONString asserts the JSON-string properties for one input.
func checkJSONString(t testing.TB, s string) {
	t.Helper()
	out := digest.AppendJSONString([]byte("x"), s)
	if out[0] != 'x' {
		t.Fatalf("AppendJSONString dropped dst")
	}
	out = out[1:]
	if !json.Valid(out) {
		t.Fatalf("AppendJSONString(%q) = %q is not valid JSON", s, out)
	}
	if bytes.ContainsAny(out, "\r\n") || bytes.Contains(out, []byte("\u2028")) || bytes.Contains(out, []byte("\u2029")) {
		t.Fatalf("AppendJSONString(%q) = %q holds a raw line break", s, out)
	}
	for _, c := range out {
		if c < 0x20 || c == 0x7f {
			t.Fatalf("AppendJSONString(%q) = %q holds raw control byte %#x", s, out, c)
		}
	}
	if !utf8.Valid(out) {
		t.Fatalf("AppendJSONString(%q) = %q is not valid UTF-8", s, out)
	}
	var got string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("Unmarshal(%q): %v", out, err)
	}
	if want := replaceInvalid(s); got != want {
		t.Fatalf("AppendJSONString(%q) decodes to %q, want %q", s, got, want)
	}
	// encoding/json agrees on the decoded value.
	std, _ := json.Marshal(s)
	var stdGot string
	if err := json.Unmarshal(std, &stdGot); err != nil || stdGot != got {
		t.Fatalf("encoding/json decodes %q to %q, ours to %q", s, stdGot, got)
	}
}

func TestAppendJSONStringCases(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a\nb\rc\td", `"a\nb\rc\td"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f\u007f"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"\xff", `"\ufffd"`},
		{"a\xe2\x80", `"a\ufffd\ufffd"`},
		{"é名😀", `"é名😀"`},
		{"\uFFFD", "\"\uFFFD\""},
		{"</script>&", `"</script>&"`},
		{`{"k":1}`, `"{\"k\":1}"`},
	}
	for _, tt := range tests {
		got := string(digest.AppendJSONString(nil, tt.in))
		if got != tt.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		checkJSONString(t, tt.in)
	}
}

// hostile returns random strings made of the characters that break JSON or
// comma lines.
func hostile(r *rand.Rand, maxAtoms int) string {
	atoms := []string{"a", "Z", "0", " ", `"`, `\`, "\n", "\r", "\t", "\x00", "\x01", "\x1f", "\x7f", ",", "%", "%2C",
		"\u2028", "\u2029", "\uFFFD", "é", "名", "😀", "\xff", "\xfe", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "{", "[", ":"}
	var b strings.Builder
	for range r.IntN(maxAtoms + 1) {
		b.WriteString(atoms[r.IntN(len(atoms))])
	}
	return b.String()
}

func TestAppendJSONStringProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		checkJSONString(t, hostile(r, 16))
	}
	// Every single byte and every BMP code point on its own.
	for c := range 256 {
		checkJSONString(t, string([]byte{byte(c)}))
	}
	for c := rune(0); c < 0x10000; c += 7 {
		checkJSONString(t, "x"+string(c)+"y")
	}
	f := func(b []byte) bool { checkJSONString(t, string(b)); return true }
	if err := quick.Check(f, &quick.Config{MaxCount: 5000}); err != nil {
		t.Error(err)
	}
}

// decodePlain reverses AppendPlain's %XX escapes (for inputs without '%').
func decodePlain(t testing.TB, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			t.Fatalf("truncated escape in %q", s)
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			t.Fatalf("bad escape %q in %q", s[i:i+3], s)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String()
}

func checkPlain(t testing.TB, s string) {
	t.Helper()
	out := string(digest.AppendPlain([]byte("x"), s))
	if out[0] != 'x' {
		t.Fatal("AppendPlain dropped dst")
	}
	out = out[1:]
	if strings.ContainsAny(out, ",\r\n") {
		t.Fatalf("AppendPlain(%q) = %q holds a comma or line break", s, out)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("AppendPlain(%q) = %q holds control byte %#x", s, out, c)
		}
	}
	if !utf8.ValidString(out) {
		t.Fatalf("AppendPlain(%q) = %q is not valid UTF-8", s, out)
	}
	if !strings.Contains(s, "%") {
		if got, want := decodePlain(t, out), replaceInvalid(s); got != want {
			t.Fatalf("decoding AppendPlain(%q) = %q gives %q, want %q", s, out, got, want)
		}
	}
}

func TestAppendPlainCases(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"a,b", "a%2Cb"},
		{"a\r\nb", "a%0D%0Ab"},
		{"\x00\t\x7f", "%00%09%7F"},
		{"\xff", "\uFFFD"},
		{`"quoted"\`, `"quoted"\`},
		{"k=v&x=%25&", "k=v&x=%25&"}, // baggage text is kept
		{"é名", "é名"},
	}
	for _, tt := range tests {
		if got := string(digest.AppendPlain(nil, tt.in)); got != tt.want {
			t.Errorf("AppendPlain(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkPlain(t, tt.in)
	}
}

func TestAppendPlainProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 20000 {
		checkPlain(t, hostile(r, 16))
	}
	for c := range 256 {
		checkPlain(t, string([]byte{byte(c)}))
	}
	f := func(b []byte) bool { checkPlain(t, string(b)); return true }
	if err := quick.Check(f, &quick.Config{MaxCount: 5000}); err != nil {
		t.Error(err)
	}
}

// FuzzAppendJSONString: the output is one valid JSON string literal that
// decodes to the input (invalid bytes as U+FFFD) and holds no line break;
// AppendPlain's output holds no comma or line break.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{
		"", "plain", `quote " here`, "new\nline", "carriage\rreturn", "comma, comma", "nul \x00 byte",
		`back\slash`, "line\u2028sep\u2029", "bad utf8 \xff\xfe", `{"json":1}`, "[1,2]", "tab\there", "amp&eq=pct%",
		`SELECT * FROM t WHERE a = "x"` + "\n" + `AND b = 'y'`,
		"http://localhost:8801/asyncrest?q=a,b", "\xed\xa0\x80\xf4\x90\x80\x80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkJSONString(t, s)
		checkPlain(t, s)
	})
}
