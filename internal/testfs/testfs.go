// Package testfs holds file-system helpers shared by the tests of several
// packages.
package testfs

import (
	"os"
	"testing"
)

// Names lists the names of every entry of dir (-wal and -shm files
// included), sorted as os.ReadDir sorts them; it fails t when dir cannot be
// read.
func Names(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
