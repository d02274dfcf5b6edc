//go:build !linux

package sqlite

import "os"

// inodeOf is empty where the platform's stat does not name an inode.
func inodeOf(os.FileInfo) string { return "" }
