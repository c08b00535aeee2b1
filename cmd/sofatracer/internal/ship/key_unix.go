//go:build unix

package ship

import (
	"fmt"
	"os"
	"syscall"
)

// fileKey names a file by device and inode, so it survives a rename.
func fileKey(fi os.FileInfo, path string) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return path
}
