package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/internal/testfs"
)

// makeWALDB creates a WAL-mode SQLite file with the given schema and closes
// it, so that SQLite removes its -wal and -shm files.
func makeWALDB(t *testing.T, path, schema string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA journal_mode=WAL; " + schema); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// Refusing a WAL-mode file (another program's, or one from a newer
// glm-mcp) leaves the folder as it was: no -wal or -shm file appears.
func TestOpen_refusalLeavesNoFiles(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		schema  string
		wantErr error
	}{
		{name: "another program's WAL database", schema: "CREATE TABLE users (id INTEGER PRIMARY KEY)", wantErr: ErrNotStore},
		{name: "a newer glm-mcp's WAL database", wantErr: ErrTooNew, schema: `CREATE TABLE schema_version
			(version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL); INSERT INTO schema_version VALUES (99, 0)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "t.db")
			makeWALDB(t, path, tt.schema)
			before, hash := testfs.Names(t, dir), fileHash(t, path)
			for _, open := range []func(context.Context, string) (*Store, error){Open, OpenReadOnly} {
				if s, err := open(ctx, path); !errors.Is(err, tt.wantErr) {
					if s != nil {
						s.Close()
					}
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				if after := testfs.Names(t, dir); !reflect.DeepEqual(after, before) {
					t.Errorf("folder was %v, is %v", before, after)
				}
				if fileHash(t, path) != hash {
					t.Error("the file was changed")
				}
			}
		})
	}
}

// readOnlyFixture makes a closed store with one transcript whose file has no
// write permission, and returns its path and the transcript's id.
func readOnlyFixture(t *testing.T) (dir, path, id string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "t.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	id = richTranscript(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	return dir, path, id
}

// A database the user may not write is listed, shown and searched, and
// nothing is created beside it. (Tests run as root, whom permission bits do
// not stop, so the folder stays writable here: what is tested is that the
// read-only path writes nothing, which is what a read-only folder needs.)
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	dir, path, id := readOnlyFixture(t)
	if _, err := Open(ctx, path); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Open error %v, want ErrReadOnly", err)
	}
	before, hash := testfs.Names(t, dir), fileHash(t, path)

	s, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ReadOnly() {
		t.Error("ReadOnly() is false")
	}
	list, err := s.List(ctx, 0)
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Steps != 2 {
		t.Errorf("List = %+v, %v", list, err)
	}
	if tr, err := s.Get(ctx, id); err != nil || len(tr.Messages) != 6 {
		t.Errorf("Get: %v", err)
	}
	if hits, err := s.Search(ctx, "search", 5); err != nil || len(hits) == 0 {
		t.Errorf("Search = %+v, %v", hits, err)
	}
	if _, err := s.CreateTranscript(ctx, TranscriptMeta{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("CreateTranscript error %v, want ErrReadOnly", err)
	}
	if err := s.AppendMessage(ctx, id, Message{Role: "user", Content: "x"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("AppendMessage error %v, want ErrReadOnly", err)
	}
	if after := testfs.Names(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("folder was %v, while open %v", before, after)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if after := testfs.Names(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("folder was %v, after close %v", before, after)
	}
	if fileHash(t, path) != hash {
		t.Error("the file was changed")
	}
}

// With a writer at work (a -wal file exists), a read-only Store sees its
// writes as they are committed.
func TestOpenReadOnly_liveWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	w := openAt(t, path)
	id, err := w.CreateTranscript(ctx, TranscriptMeta{})
	must(t, err)
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	must(t, w.AppendMessage(ctx, id, Message{Role: "user", Content: "written after the reader opened"}))
	hits, err := r.Search(ctx, "opened", 5)
	if err != nil || len(hits) != 1 || hits[0].TranscriptID != id {
		t.Errorf("Search = %+v, %v", hits, err)
	}
}

func TestOpenReadOnly_refuses(t *testing.T) {
	ctx := context.Background()
	old := filepath.Join(t.TempDir(), "v3.db")
	copyFile(t, v3Fixture, old)
	empty := filepath.Join(t.TempDir(), "empty.db")
	writeFile(t, empty, "", 0o444)
	tests := []struct {
		name, path string
		wantErr    error
		wantMsg    string
	}{
		{name: "older schema", path: old, wantErr: ErrReadOnly, wantMsg: "schema version is 3"},
		{name: "empty file", path: empty, wantErr: ErrReadOnly, wantMsg: "schema version is 0"},
		{name: "missing", path: filepath.Join(t.TempDir(), "none.db"), wantErr: os.ErrNotExist},
		{name: "directory", path: t.TempDir(), wantErr: ErrNotStore, wantMsg: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Dir(tt.path)
			before := testfs.Names(t, dir)
			s, err := OpenReadOnly(ctx, tt.path)
			if err == nil {
				s.Close()
				t.Fatal("OpenReadOnly succeeded")
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
			if after := testfs.Names(t, dir); !slices.Equal(after, before) {
				t.Errorf("folder was %v, is %v", before, after)
			}
		})
	}
}

// Store errors leave flags to the command line.
func TestErrors_nameNoFlag(t *testing.T) {
	if err := checkVersion(SchemaVersion() + 1); err == nil || strings.Contains(err.Error(), "--") {
		t.Errorf("checkVersion error %v names a flag", err)
	}
}
