package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// attackDB creates a rollback-journal database alone in its folder, so that
// any file SQLite creates or changes shows in dirState.
func attackDB(t *testing.T) (dir, path string) {
	dir = t.TempDir()
	path = createDB(t, dir, "target.db",
		`CREATE TABLE t(id INTEGER PRIMARY KEY, secret TEXT)`,
		`INSERT INTO t(secret) VALUES ('a'), ('b'), ('c')`,
		`CREATE INDEX t_secret ON t(secret)`)
	return dir, path
}

// attack is one hostile sqlite_query call; want lists words one of which the
// refusal must contain.
type attack struct {
	name   string
	sql    string
	params []any
	want   []string
}

func attacks(dir string) []attack {
	newFile := filepath.Join(dir, "new.db")
	readOnly := []string{"read-only"}
	return []attack{
		{name: "second statement", sql: "SELECT 1; DELETE FROM t", want: []string{"more than one statement"}},
		{name: "second statement after a comment", sql: "SELECT 1 /* x */; -- y\n DELETE FROM t", want: []string{"more than one statement"}},
		{name: "second statement that reads", sql: "SELECT 1; SELECT 2", want: []string{"more than one statement"}},
		{name: "CTE delete", sql: "WITH x AS (SELECT 1) DELETE FROM t", want: readOnly},
		{name: "CTE insert", sql: "WITH x(s) AS (SELECT 'z') INSERT INTO t(secret) SELECT s FROM x", want: readOnly},
		{name: "update", sql: "UPDATE t SET secret = 'pwned'", want: readOnly},
		{name: "drop table", sql: "DROP TABLE t", want: readOnly},
		{name: "create table", sql: "CREATE TABLE u(a)", want: readOnly},
		{name: "create temp table", sql: "CREATE TEMP TABLE z(a)", want: readOnly},
		{name: "create temp table as select", sql: "CREATE TEMP TABLE z AS SELECT * FROM t", want: readOnly},
		{name: "create temp trigger", sql: "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", want: readOnly},
		{name: "attach a new file", sql: "ATTACH '" + newFile + "' AS x", want: []string{"ATTACH"}},
		{name: "attach with a bound path", sql: "ATTACH ? AS x", params: []any{newFile}, want: []string{"ATTACH"}},
		{name: "attach as uri", sql: "ATTACH 'file:" + newFile + "?mode=rwc' AS x", want: []string{"ATTACH"}},
		{name: "vacuum into", sql: "VACUUM INTO '" + newFile + "'", want: readOnly},
		{name: "vacuum", sql: "VACUUM", want: readOnly},
		{name: "pragma query_only off", sql: "PRAGMA query_only = 0", want: []string{"PRAGMA query_only = 0"}},
		{name: "pragma query_only off, call form", sql: "PRAGMA query_only(false)", want: []string{"PRAGMA query_only"}},
		{name: "pragma journal_mode delete", sql: "PRAGMA journal_mode = delete", want: []string{"PRAGMA journal_mode"}},
		{name: "pragma journal_mode wal", sql: "PRAGMA journal_mode = WAL", want: []string{"PRAGMA journal_mode"}},
		{name: "pragma writable_schema", sql: "PRAGMA writable_schema = 1", want: []string{"PRAGMA writable_schema"}},
		{name: "pragma user_version", sql: "PRAGMA user_version = 7", want: []string{"PRAGMA user_version"}},
		{name: "pragma through a table-valued function", sql: "SELECT * FROM pragma_journal_mode('delete')", want: []string{"PRAGMA journal_mode", "unknown database"}},
		{name: "pragma table-valued function without argument", sql: "SELECT * FROM pragma_journal_mode", want: []string{"PRAGMA journal_mode"}},
		{name: "load_extension", sql: "SELECT load_extension('/tmp/evil.so')", want: []string{"load_extension() is not allowed"}},
		{name: "load_extension with entry point", sql: "SELECT load_extension(?, 'sqlite3_evil_init')", params: []any{"/tmp/evil"}, want: []string{"load_extension() is not allowed"}},
		{name: "fts3_tokenizer", sql: "SELECT fts3_tokenizer('simple', X'0000000000000000')", want: []string{"fts3_tokenizer() is not allowed"}},
		{name: "begin", sql: "BEGIN IMMEDIATE", want: []string{"transaction control is not allowed"}},
		{name: "savepoint", sql: "SAVEPOINT s", want: []string{"transaction control is not allowed"}},
		{name: "analyze", sql: "ANALYZE", want: readOnly},
		{name: "reindex", sql: "REINDEX", want: readOnly},
		{name: "alter table", sql: "ALTER TABLE t ADD COLUMN x", want: readOnly},
		{name: "create virtual table", sql: "CREATE VIRTUAL TABLE f USING fts4(a)", want: readOnly},
		{name: "insert returning", sql: "INSERT INTO t(secret) VALUES ('x') RETURNING id", want: readOnly},
		{name: "injection via a param", sql: "SELECT * FROM t WHERE secret = ?", params: []any{"a'; DELETE FROM t; --"}, want: nil},
	}
}

// runAttacks sends every attack to sqlite_query and checks the refusal and
// that nothing on disk changed.
func runAttacks(t *testing.T, tk *Toolkit, dir, path string, readOnlyWord string) {
	before := dirState(t, dir)
	for _, a := range attacks(dir) {
		t.Run(a.name, func(t *testing.T) {
			args := map[string]any{"sql": a.sql}
			if a.params != nil {
				args["params"] = a.params
			}
			res := invoke(t, tk, "sqlite_query", args)
			text := resultText(res)
			if a.want == nil { // a harmless call: it must simply work
				if res.IsError {
					t.Fatalf("isError: %s", text)
				}
			} else {
				if !res.IsError {
					t.Fatalf("attack was not refused: %s", text)
				}
				if !containsAny(text, replaceWord(a.want, "read-only", readOnlyWord)) {
					t.Errorf("refusal %q does not mention any of %q", text, a.want)
				}
			}
			if after := dirState(t, dir); after != before {
				t.Fatalf("the folder changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	if n := countRows(t, path, "t"); n != 3 {
		t.Errorf("table t has %d rows, want 3", n)
	}
	// PRAGMA query_only stays on: a write still fails after the attempt.
	if msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": "DELETE FROM t"}); !strings.Contains(msg, readOnlyWord) {
		t.Errorf("write after the pragma attempts: %q", msg)
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func replaceWord(words []string, from, to string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if w == from {
			w = to
		}
		out[i] = w
	}
	return out
}

func TestToolkit_Query_Attacks(t *testing.T) {
	dir, path := attackDB(t)
	tk := oneDB(t, path)
	runAttacks(t, tk, dir, path, "this database is read-only; writes need --sqlite-write")
}

// With --sqlite-write, sqlite_query must stay exactly as read-only.
func TestToolkit_Query_AttacksWithWriteEnabled(t *testing.T) {
	dir, path := attackDB(t)
	tk := newTestToolkit(t, Config{Write: true, Databases: []Database{{Name: "main", Path: path}}})
	runAttacks(t, tk, dir, path, "sqlite_query is read-only; use sqlite_execute for writes")
}

func TestToolkit_Schema_InjectionThroughTable(t *testing.T) {
	dir, path := attackDB(t)
	tk := newTestToolkit(t, Config{Write: true, Databases: []Database{{Name: "main", Path: path}}})
	before := dirState(t, dir)
	for _, table := range []string{"t); DROP TABLE t; --", "t' OR '1'='1", `t"; DROP TABLE t; --`, "t\x00"} {
		msg := mustFail(t, tk, "sqlite_schema", map[string]any{"table": table})
		if !strings.Contains(msg, "no table or view named") || !strings.Contains(msg, "it has: t") {
			t.Errorf("table %q: message %q", table, msg)
		}
	}
	if after := dirState(t, dir); after != before {
		t.Fatalf("the folder changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if n := countRows(t, path, "t"); n != 3 {
		t.Errorf("table t has %d rows, want 3", n)
	}
}

func TestToolkit_Query_DeadlineInterrupts(t *testing.T) {
	const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	tests := []struct {
		name  string
		tool  string
		sql   string
		write bool
	}{
		{name: "endless count", tool: "sqlite_query", sql: endless + "SELECT count(*) FROM c"},
		{name: "endless sort", tool: "sqlite_query", sql: endless + "SELECT x FROM c ORDER BY x DESC"},
		{name: "endless write is rolled back", tool: "sqlite_execute", sql: endless + "INSERT INTO t(secret) SELECT 'x' FROM c", write: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, path := attackDB(t)
			tk := newTestToolkit(t, Config{Timeout: 300 * time.Millisecond, Write: tt.write, Databases: []Database{{Name: "main", Path: path}}})
			before := dirState(t, dir)
			msg := mustFail(t, tk, tt.tool, map[string]any{"sql": tt.sql})
			if !strings.Contains(msg, "interrupted") || !strings.Contains(msg, "300ms") {
				t.Errorf("message %q", msg)
			}
			// The toolkit still answers, on every pooled connection.
			for range readConns + 1 {
				qr := queryRows(t, tk, map[string]any{"sql": "SELECT count(*) FROM t"})
				if got := fmt.Sprint(qr.Rows[0][0]); got != "3" {
					t.Fatalf("count after the interrupt = %s, want 3", got)
				}
			}
			if n := countRows(t, path, "t"); n != 3 {
				t.Errorf("table t has %d rows, want 3", n)
			}
			// A rolled-back write may touch the file's timestamp, not its rows.
			if after := dirState(t, dir); !tt.write && after != before {
				t.Fatalf("the folder changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}
