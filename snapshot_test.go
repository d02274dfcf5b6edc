package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestTools_Snapshot pins every tool's name, title, description, schemas and
// annotations: a change to what models and editors see must be deliberate
// (go test -run TestTools_Snapshot -update).
func TestTools_Snapshot(t *testing.T) {
	var out, errOut bytes.Buffer
	a := &app{stdin: bytes.NewReader(nil), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	args := append([]string{"tools", "--format", "mcp", "--root", t.TempDir()}, snapshotToolkitArgs(t)...)
	if code := a.run(context.Background(), args); code != exitOK {
		t.Fatalf("tools exited %d: %s", code, errOut.String())
	}
	golden := filepath.Join("testdata", "tools.golden.json")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("tool catalogue differs from %s; if the change is deliberate, run go test -run TestTools_Snapshot -update\n--- got ---\n%s", golden, out.String())
	}
}

// snapshotToolkitArgs returns flags that turn on every toolkit and tool.
func snapshotToolkitArgs(t *testing.T) []string {
	return []string{"--sqlite", "demo=" + makeDB(t), "--sqlite-write"}
}
