//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f without waiting. flock locks belong
// to the open file, so even another open of the same file in this process
// sees the lock as held.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// writerAlive reports whether a writer holds the lock file at path. A writer
// found dead has its file removed: its token is never used again.
func writerAlive(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		// No file: the writer closed cleanly or was cleaned up. A file we may
		// not open is someone else's: assume it alive rather than guess.
		return !errors.Is(err, os.ErrNotExist)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true
	}
	if err != nil {
		return true // cannot tell (e.g. no flock on this file system)
	}
	_ = os.Remove(path)
	return false
}
