package sqlite

import (
	"database/sql"
	"sort"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/internal/testfs"
)

// listing names the entries of dir, sorted.
func listing(t *testing.T, dir string) string {
	t.Helper()
	names := testfs.Names(t, dir)
	sort.Strings(names)
	return strings.Join(names, " ")
}

// walDB creates a WAL-mode database whose writer has closed cleanly, so only
// the main file is left.
func walDB(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = createDB(t, dir, "wal.db", "PRAGMA journal_mode = WAL", "CREATE TABLE t(a)", "INSERT INTO t VALUES (1), (2)")
	if got := listing(t, dir); got != "wal.db" {
		t.Fatalf("fixture left %s", got)
	}
	return dir, path
}

// serveCalls runs every read tool on tk and checks it sees count rows.
func serveCalls(t *testing.T, tk *Toolkit, count string) {
	t.Helper()
	qr := queryRows(t, tk, map[string]any{"sql": "SELECT count(*) FROM t"})
	if got := mustJSON(t, qr.Rows); got != "[["+count+"]]" {
		t.Errorf("count = %s, want %s", got, count)
	}
	mustOK(t, tk, "sqlite_schema", map[string]any{})
	mustOK(t, tk, "sqlite_schema", map[string]any{"table": "t"})
}

// TestToolkit_WAL_LeavesNoFiles serves a WAL-mode database: reading it must
// not leave -wal or -shm files beside it, whether or not a writer is at work.
func TestToolkit_WAL_LeavesNoFiles(t *testing.T) {
	t.Run("no writer", func(t *testing.T) {
		dir, path := walDB(t)
		tk := newTestToolkit(t, Config{Databases: []Database{{Name: "main", Path: path}}})
		serveCalls(t, tk, "2")
		if got := listing(t, dir); got != "wal.db" {
			t.Errorf("folder after serving: %s, want wal.db alone", got)
		}
		if err := tk.Close(); err != nil {
			t.Fatal(err)
		}
		if got := listing(t, dir); got != "wal.db" {
			t.Errorf("folder after Close: %s, want wal.db alone", got)
		}
	})
	t.Run("a writer comes and goes", func(t *testing.T) {
		dir, path := walDB(t)
		tk := newTestToolkit(t, Config{Databases: []Database{{Name: "main", Path: path}}})
		serveCalls(t, tk, "2")
		w, err := sql.Open("sqlite3", fileURI(path, ""))
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		if _, err := w.Exec("INSERT INTO t VALUES (3)"); err != nil {
			t.Fatal(err)
		}
		live := listing(t, dir)
		if live != "wal.db wal.db-shm wal.db-wal" {
			t.Fatalf("a live writer should have its -wal and -shm files: %s", live)
		}
		// Reads see the writer's committed rows, through its own files.
		serveCalls(t, tk, "3")
		if got := listing(t, dir); got != live {
			t.Errorf("folder while the writer is open: %s, want %s", got, live)
		}
		// No connection of ours holds the files when the writer closes, so
		// it checkpoints and removes them as if we had never been there.
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got := listing(t, dir); got != "wal.db" {
			t.Errorf("folder after the writer closed: %s, want wal.db alone", got)
		}
		serveCalls(t, tk, "3")
		if got := listing(t, dir); got != "wal.db" {
			t.Errorf("folder after serving again: %s, want wal.db alone", got)
		}
	})
}

// TestToolkit_Query_FileChangedWhileReading replaces the database between
// calls: a read never serves a stale cached page.
func TestToolkit_Query_FileChangedBetweenCalls(t *testing.T) {
	dir := t.TempDir()
	path := createDB(t, dir, "c.db", "CREATE TABLE t(a)", "INSERT INTO t VALUES (1)")
	tk := oneDB(t, path)
	serveCalls(t, tk, "1")
	db, err := sql.Open("sqlite3", fileURI(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	serveCalls(t, tk, "2")
}
