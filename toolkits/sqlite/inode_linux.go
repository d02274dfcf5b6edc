//go:build linux

package sqlite

import (
	"fmt"
	"os"
	"syscall"
)

// inodeOf names the file's device, inode and change time, so that a file
// replaced or rewritten within one mtime tick still looks changed.
func inodeOf(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d:%d:%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
}
