package reporter

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

// A digest file's buffer goes back to its region after every write, also
// after a line too long for the region moved it to the heap; what was
// buffered is written whole and in order. Where there is no region (other
// platforms, race builds), the buffer is an ordinary heap slice.
func TestDigestBufferReturnsToItsRegion(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDisk(Config{Dir: dir, BatchBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f := newOutFile(d, "test-digest.log", false, true) // not in d.files: the writer never sees it
	defer f.close()
	if f.region != nil && (cap(f.region) != 4096+regionSlack || unsafe.SliceData(f.buf) != unsafe.SliceData(f.region)) {
		t.Fatalf("buffer cap %d, region cap %d", cap(f.buf), cap(f.region))
	}
	var want []byte
	for _, n := range []int{100, 5000, 4096 + regionSlack + 1, 100} {
		line := append(bytes.Repeat([]byte{byte('a' + n%26)}, n), '\n')
		want = append(want, line...)
		f.buf = append(f.buf, line...)
		f.lines++
		d.flush(f)
		if len(f.buf) != 0 {
			t.Fatalf("after a write of %d bytes: %d still buffered", n+1, len(f.buf))
		}
		if f.region != nil && unsafe.SliceData(f.buf[:1]) != unsafe.SliceData(f.region[:1]) {
			t.Fatalf("after a write of %d bytes the buffer is not the region", n+1)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "test-digest.log"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("file: %v, %d bytes, want %d", err, len(got), len(want))
	}
	if st := d.Stats(); st.Written != 4 {
		t.Fatalf("written %d, want 4", st.Written)
	}
}
