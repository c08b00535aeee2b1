//go:build !unix

package ship

import "os"

func fileKey(_ os.FileInfo, path string) string { return path }
