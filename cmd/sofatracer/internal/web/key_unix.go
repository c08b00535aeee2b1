//go:build unix

package web

import (
	"os"
	"syscall"
)

type fileKey struct {
	dev, ino uint64
	path     string
}

func keyOf(fi os.FileInfo, path string) fileKey {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return fileKey{path: path}
}
