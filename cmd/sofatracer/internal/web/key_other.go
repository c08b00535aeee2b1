//go:build !unix

package web

import "os"

type fileKey struct{ path string }

func keyOf(_ os.FileInfo, path string) fileKey { return fileKey{path: path} }
