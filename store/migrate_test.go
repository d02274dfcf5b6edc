package store

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/internal/testfs"
)

var update = flag.Bool("update", false, "rewrite testdata/schema-v1.db")

// v1Fixture is a database written at schema version 1, committed so that
// every later version is tested against a real old file.
const v1Fixture = "testdata/schema-v1.db"

// TestWriteSchemaV1Fixture rewrites the fixture with -update; otherwise it
// checks the committed fixture is still at version 1.
func TestWriteSchemaV1Fixture(t *testing.T) {
	oldSchemaFixture(t, v1Fixture, 1, *update, v1Rows)
}

// v1Rows: a finished run with a tool call, and a run that never ended.
var v1Rows = []string{
	`INSERT INTO transcripts (id, title, created_ms, updated_ms, status, provider, base_url, model, params)
		 VALUES ('01jmv1done0000000000000000', 'list the files', 1740000000000, 1740000005000, 'done',
		         'zai', 'https://api.z.ai/api/paas/v4', 'glm-4.7', '{"temperature":0.5}'),
		        ('01jmv1run00000000000000000', 'a run that never ended', 1740000100000, 1740000100000, 'running',
		         'zai', 'https://api.z.ai/api/paas/v4', 'glm-4.7', NULL)`,
	`INSERT INTO messages (transcript_id, seq, role, content, reasoning, tool_calls, tool_call_id, created_ms) VALUES
		 ('01jmv1done0000000000000000', 1, 'user', 'list the files', '', NULL, '', 1740000000000),
		 ('01jmv1done0000000000000000', 2, 'assistant', '', 'use list_directory',
		  '[{"id":"call_1","type":"function","function":{"name":"list_directory","arguments":"{}"}}]', '', 1740000001000),
		 ('01jmv1done0000000000000000', 3, 'tool', '["a.txt"]', '', NULL, 'call_1', 1740000002000),
		 ('01jmv1done0000000000000000', 4, 'assistant', 'There is a.txt.', '', NULL, '', 1740000005000),
		 ('01jmv1run00000000000000000', 1, 'user', 'a run that never ended', '', NULL, '', 1740000100000)`,
	`INSERT INTO tool_executions (transcript_id, step, call_id, tool, server, arguments, result, is_error, started_ms, duration_us)
		 VALUES ('01jmv1done0000000000000000', 1, 'call_1', 'list_directory', 'glm-mcp', '{}', '["a.txt"]', 0, 1740000001500, 420)`,
	`INSERT INTO completions (transcript_id, step, started_ms, request_body, response_body, http_status, latency_us,
		 prompt_tokens, completion_tokens, total_tokens) VALUES
		 ('01jmv1done0000000000000000', 1, 1740000000000, '{"model":"glm-4.7"}', '{"id":"a"}', 200, 900000, 50, 10, 60),
		 ('01jmv1done0000000000000000', 2, 1740000003000, '{"model":"glm-4.7"}', '{"id":"b"}', 200, 800000, 70, 5, 75)`,
}

func TestOpen_migratesV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, v1Fixture, path)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var v int
	if err := s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("version %d, %v; want %d", v, err, SchemaVersion())
	}
	done, err := s.Get(ctx, "01jmv1done0000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != StatusDone || len(done.Messages) != 4 || len(done.ToolExecutions) != 1 || done.Steps != 2 ||
		done.Usage.TotalTokens != 135 || string(done.Params) != `{"temperature":0.5}` || done.ToolConfig != nil {
		t.Errorf("migrated transcript = %+v", done)
	}
	run, err := s.Get(ctx, "01jmv1run00000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != StatusInterrupted {
		t.Errorf("a running transcript from version 1 shows %q, want interrupted (it has no writer)", run.Status)
	}
	// The migrated file takes new writes.
	if err := s.AppendMessage(ctx, done.ID, Message{Role: "user", Content: "more"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTranscript(ctx, TranscriptMeta{ToolConfig: []byte(`{"roots":["."]}`)}); err != nil {
		t.Fatal(err)
	}

	// Its schema is the one a new database gets.
	fresh := openTest(t)
	if got, want := schemaOf(t, s.r), schemaOf(t, fresh.r); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated schema differs from a new one:\n got %v\nwant %v", got, want)
	}
}

// schemaOf describes every table's columns and indexes.
func schemaOf(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	rows, err := db.Query(`SELECT m.name, p.name, p.type, p."notnull", coalesce(p.dflt_value, ''), p.pk
		FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, col, typ, dflt string
		var notNull, pk int
		if err := rows.Scan(&table, &col, &typ, &notNull, &dflt, &pk); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], fmt.Sprintf("%s %s notnull=%d default=%s pk=%d", col, typ, notNull, dflt, pk))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	idx, err := db.Query("SELECT tbl_name, name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	for idx.Next() {
		var table, name string
		var ddl sql.NullString
		if err := idx.Scan(&table, &name, &ddl); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], "index "+name+" "+ddl.String)
	}
	if err := idx.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpen_refusesFutureVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "future.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	richTranscript(t, s)
	s.Close()
	// A newer glm-mcp migrated it further.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_version VALUES (?, 0)", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fileHash(t, path)
	entries := dirNames(t, dir)

	_, err = Open(ctx, path)
	if !errors.Is(err, ErrTooNew) || !strings.Contains(err.Error(), fmt.Sprintf("schema version is %d", SchemaVersion()+1)) ||
		!strings.Contains(err.Error(), "upgrade glm-mcp") {
		t.Errorf("error %v, want ErrTooNew naming the version and the remedy", err)
	}
	if fileHash(t, path) != before {
		t.Error("the file was changed")
	}
	if after := dirNames(t, dir); !reflect.DeepEqual(after, entries) {
		t.Errorf("files beside it changed: %v, then %v", entries, after)
	}
}

// dirNames lists a folder, leaving out the -wal and -shm files that any
// SQLite reader of a WAL database creates.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	for _, name := range testfs.Names(t, dir) {
		if !strings.HasSuffix(name, "-wal") && !strings.HasSuffix(name, "-shm") {
			names = append(names, name)
		}
	}
	return names
}

func TestLoadMigrations(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 || !strings.HasPrefix(m.name, fmt.Sprintf("%04d_", i+1)) || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d = %d %s", i, m.version, m.name)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
