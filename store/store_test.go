package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openTest opens a new store in a temporary folder.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fileHash is the SHA-256 of a file, to show it was not changed.
func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// richTranscript records a conversation with a system prompt, reasoning,
// two parallel tool calls of which one fails, a retried completion, and a
// final answer, and returns its id.
func richTranscript(t testing.TB, s *Store) string {
	t.Helper()
	ctx := context.Background()
	id, err := s.CreateTranscript(ctx, TranscriptMeta{
		Provider: "zai", BaseURL: "https://api.z.ai/api/paas/v4", Model: "glm-4.7",
		Params:     json.RawMessage(`{ "temperature": 0.2, "stream": true }`),
		ToolConfig: json.RawMessage(`{"roots":["/tmp/x"],"toolkits":["files"]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := `[{"id":"call_1","index":0,"type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.txt\"}"}},` +
		`{"id":"call_2","index":1,"type":"function","function":{"name":"find_files","arguments":{"pattern":"*.go"}}}]`
	started := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []func() error{
		func() error { return s.AppendMessage(ctx, id, Message{Role: "system", Content: "You are terse."}) },
		func() error {
			return s.AppendMessage(ctx, id, Message{Role: "user", Content: "What is in a.txt\n and which Go files are there?"})
		},
		func() error {
			return s.RecordCompletion(ctx, id, Completion{Step: 1, Started: started, RequestBody: []byte(`{"model":"glm-4.7"}`),
				ResponseBody: []byte("upstream connect error"), HTTPStatus: 503, Latency: 1500 * time.Microsecond, Error: "503 Service Unavailable"})
		},
		func() error {
			return s.RecordCompletion(ctx, id, Completion{Step: 1, Started: started.Add(time.Second),
				RequestBody: []byte(`{"model":"glm-4.7","messages":[]}`), ResponseBody: []byte("{\n \"id\": \"r1\"\n}"),
				HTTPStatus: 200, Latency: 850 * time.Millisecond,
				Usage: Usage{PromptTokens: 100, CompletionTokens: 40, TotalTokens: 140, ReasoningTokens: 25, CachedTokens: 10}})
		},
		func() error {
			return s.AppendMessage(ctx, id, Message{Role: "assistant", Content: "", Reasoning: "I should read the file\nand search.",
				ToolCalls: json.RawMessage(calls)})
		},
		func() error {
			return s.RecordToolExecution(ctx, id, ToolExecution{Step: 1, CallID: "call_2", Tool: "find_files", Server: "glm-mcp",
				Arguments: `{"pattern":"*.go"}`, Result: `{"paths":["main.go"]}`, Started: started.Add(2 * time.Second), Duration: 1234 * time.Microsecond})
		},
		func() error {
			return s.RecordToolExecution(ctx, id, ToolExecution{Step: 1, CallID: "call_1", Tool: "read_file", Server: "glm-mcp",
				Arguments: `{"path":"a.txt"}`, Result: "no such file: a.txt", IsError: true, Started: started.Add(2 * time.Second), Duration: 56 * time.Microsecond})
		},
		func() error {
			return s.AppendMessage(ctx, id, Message{Role: "tool", ToolCallID: "call_1", Content: "no such file: a.txt"})
		},
		func() error {
			return s.AppendMessage(ctx, id, Message{Role: "tool", ToolCallID: "call_2", Content: `{"paths":["main.go"]}`})
		},
		func() error {
			return s.RecordCompletion(ctx, id, Completion{Step: 2, Started: started.Add(3 * time.Second),
				RequestBody: []byte(`{"model":"glm-4.7","messages":["…"]}`), ResponseBody: []byte(`{"id":"r2"}`), HTTPStatus: 200,
				Latency: 400 * time.Millisecond, Usage: Usage{PromptTokens: 200, CompletionTokens: 10, TotalTokens: 210}})
		},
		func() error {
			return s.AppendMessage(ctx, id, Message{Role: "assistant", Content: "a.txt is missing; main.go is the only Go file. ```code```"})
		},
		func() error { return s.FinishTranscript(ctx, id, StatusDone, "") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return id
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name, dataHome, home, want string
	}{
		{"xdg", "/data", "/home/u", "/data/glm-mcp/transcripts.db"},
		{"home", "", "/home/u", "/home/u/.local/share/glm-mcp/transcripts.db"},
		{"relative xdg ignored", "rel/data", "/home/u", "/home/u/.local/share/glm-mcp/transcripts.db"},
		{"nothing", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultPath(tt.dataHome, tt.home); got != tt.want {
				t.Errorf("DefaultPath(%q, %q) = %q, want %q", tt.dataHome, tt.home, got, tt.want)
			}
		})
	}
}

func TestStore_Open(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new", "folder", "transcripts.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600 (transcripts are private)", perm)
	}
	pragmas := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"}
	for name, want := range pragmas {
		var got string
		if err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v < 2 {
		t.Errorf("schema version %d, want %d", v, SchemaVersion())
	}
	// A second Open of a migrated file changes nothing and works.
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestOpen_refusesBadFiles(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		wantErr error
		wantMsg string
	}{
		{
			name: "not sqlite",
			make: func(t *testing.T, path string) {
				writeFile(t, path, strings.Repeat("hello, not a database\n", 300), 0o600)
			},
			wantErr: ErrNotStore, wantMsg: "not a SQLite database",
		},
		{
			name:    "read-only",
			make:    func(t *testing.T, path string) { makeForeignDB(t, path, "CREATE TABLE x (y)"); os.Chmod(path, 0o444) },
			wantErr: ErrReadOnly, wantMsg: "no write permission",
		},
		{
			name:    "another program's database",
			make:    func(t *testing.T, path string) { makeForeignDB(t, path, "CREATE TABLE users (id INTEGER PRIMARY KEY)") },
			wantErr: ErrNotStore, wantMsg: "other tables",
		},
		{
			name: "newer schema",
			make: func(t *testing.T, path string) {
				makeForeignDB(t, path, `CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL);
					INSERT INTO schema_version VALUES (1, 0), (2, 0), (99, 0)`)
			},
			wantErr: ErrTooNew, wantMsg: "schema version is 99",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "t.db")
			tt.make(t, path)
			before := fileHash(t, path)
			s, err := Open(ctx, path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
			if after := fileHash(t, path); after != before {
				t.Error("the file was changed")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("files beside the database: %v", entries)
			}
		})
	}
}

func TestOpen_directory(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir())
	if !errors.Is(err, ErrNotStore) || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("error %v, want ErrNotStore: is a directory", err)
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

// makeForeignDB creates a SQLite file (rollback journal) with the given schema.
func makeForeignDB(t *testing.T, path, schema string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
}

// Several processes may open a new database at once: one creates and
// migrates it, the others wait and find it done.
func TestOpen_concurrentFirstUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "t.db")
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := Open(context.Background(), path)
			if err == nil {
				_, err = s.CreateTranscript(context.Background(), TranscriptMeta{})
				err = errors.Join(err, s.Close())
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	s := openAt(t, path)
	list, err := s.List(context.Background(), 0)
	if err != nil || len(list) != n {
		t.Errorf("%d transcripts, %v; want %d", len(list), err, n)
	}
	var versions int
	if err := s.r.QueryRow("SELECT count(*) FROM schema_version").Scan(&versions); err != nil || versions != SchemaVersion() {
		t.Errorf("%d versions recorded, %v; want %d", versions, err, SchemaVersion())
	}
}
