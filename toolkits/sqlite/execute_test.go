package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

func writeToolkit(t *testing.T) (*Toolkit, string) {
	t.Helper()
	path := createDB(t, t.TempDir(), "w.db",
		`CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER CHECK (qty >= 0))`,
		`CREATE TABLE parts(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id))`)
	return newTestToolkit(t, Config{Write: true, Databases: []Database{{Name: "main", Path: path}}}), path
}

func execResult(t *testing.T, tk *Toolkit, sql string, params ...any) ExecResult {
	t.Helper()
	args := map[string]any{"sql": sql}
	if params != nil {
		args["params"] = params
	}
	var r ExecResult
	decodeStructured(t, mustOK(t, tk, "sqlite_execute", args), &r)
	return r
}

func TestToolkit_Execute(t *testing.T) {
	tk, path := writeToolkit(t)
	steps := []struct {
		name         string
		sql          string
		params       []any
		wantAffected int64
		wantLastID   int64
	}{
		{name: "insert with params", sql: "INSERT INTO items(name, qty) VALUES (?, ?)", params: []any{"bolt", 10}, wantAffected: 1, wantLastID: 1},
		{name: "insert several", sql: "INSERT INTO items(name, qty) VALUES ('nut', 5), ('gear', 0)", wantAffected: 2, wantLastID: 3},
		{name: "update", sql: "UPDATE items SET qty = qty + 1 WHERE qty < ?", params: []any{6}, wantAffected: 2},
		// Schema changes affect no rows, even right after a DML statement on
		// the same connection (sqlite3_changes would still say 2).
		{name: "create index", sql: "CREATE INDEX items_qty ON items(qty)"},
		{name: "create table", sql: "CREATE TABLE log(msg TEXT)"},
		{name: "insert returning", sql: "INSERT INTO log VALUES ('x') RETURNING rowid", wantAffected: 1, wantLastID: 1},
		{name: "insert nothing", sql: "INSERT OR IGNORE INTO items(name, qty) VALUES ('bolt', 1)"},
		{name: "delete", sql: "DELETE FROM items WHERE name = ?", params: []any{"gear"}, wantAffected: 1},
		{name: "set user_version", sql: "PRAGMA user_version = 3"},
		{name: "drop table", sql: "DROP TABLE log"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := execResult(t, tk, s.sql, s.params...)
			if r.Database != "main" || r.RowsAffected != s.wantAffected || r.LastInsertID != s.wantLastID {
				t.Errorf("result %+v, want rows_affected %d last_insert_id %d", r, s.wantAffected, s.wantLastID)
			}
		})
	}
	// sqlite_query reads what sqlite_execute wrote.
	if got := rowsJSON(t, mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT name, qty FROM items ORDER BY id"})); got != `[["bolt",10],["nut",6]]` {
		t.Errorf("items = %s", got)
	}
	if n := countRows(t, path, "items"); n != 2 {
		t.Errorf("items has %d rows on disk, want 2", n)
	}
}

func TestToolkit_Execute_Refusals(t *testing.T) {
	tk, path := writeToolkit(t)
	dir := filepath.Dir(path)
	execResult(t, tk, "INSERT INTO items(name, qty) VALUES ('bolt', 1)")
	tests := []struct {
		name string
		sql  string
		want string
	}{
		{name: "two statements", sql: "INSERT INTO items(name) VALUES ('a'); DELETE FROM items", want: "more than one statement"},
		{name: "read only statement", sql: "SELECT * FROM items", want: "only reads; run it with sqlite_query"},
		{name: "begin", sql: "BEGIN", want: "transaction control is not allowed"},
		{name: "commit", sql: "COMMIT", want: "transaction control is not allowed"},
		{name: "attach", sql: "ATTACH '" + filepath.Join(dir, "x.db") + "' AS x", want: "ATTACH and DETACH are not allowed"},
		{name: "vacuum into", sql: "VACUUM INTO '" + filepath.Join(dir, "copy.db") + "'", want: "ATTACH"},
		{name: "temp table", sql: "CREATE TEMP TABLE z(a)", want: "TEMP objects"},
		{name: "journal mode", sql: "PRAGMA journal_mode = OFF", want: "PRAGMA journal_mode = OFF is not allowed"},
		{name: "writable schema", sql: "PRAGMA writable_schema = ON", want: "PRAGMA writable_schema"},
		{name: "foreign keys off", sql: "PRAGMA foreign_keys = 0", want: "PRAGMA foreign_keys"},
		{name: "load_extension", sql: "INSERT INTO items(name) VALUES (load_extension('x'))", want: "load_extension() is not allowed"},
		{name: "unique constraint", sql: "INSERT INTO items(name, qty) VALUES ('bolt', 1)", want: "constraint failed: UNIQUE constraint failed: items.name"},
		{name: "check constraint", sql: "UPDATE items SET qty = -1", want: "CHECK constraint failed"},
		{name: "foreign key enforced", sql: "INSERT INTO parts(item_id) VALUES (999)", want: "FOREIGN KEY constraint failed"},
		{name: "syntax", sql: "INSERT INTO items VALUES (", want: "incomplete input"},
		{name: "missing table", sql: "DELETE FROM nope", want: "no such table: nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustFail(t, tk, "sqlite_execute", map[string]any{"sql": tt.sql})
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
	if n := countRows(t, path, "items"); n != 1 {
		t.Errorf("items has %d rows, want 1", n)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 1 {
		t.Errorf("files next to the database: %v", files)
	}
}

func TestToolkit_Execute_WithoutWrite(t *testing.T) {
	path := createDB(t, t.TempDir(), "r.db", "CREATE TABLE t(a)")
	tk := oneDB(t, path)
	for _, tool := range tk.Tools() {
		if tool.Def.Name == "sqlite_execute" {
			t.Fatal("sqlite_execute is listed without Write")
		}
	}
	// Called anyway (a stale client), it refuses.
	res, err := tk.handleExecute(t.Context(), requestFor("sqlite_execute", map[string]any{"sql": "INSERT INTO t VALUES (1)"}))
	if err != nil || !res.IsError || !strings.Contains(resultText(res), "this database is read-only; writes need --sqlite-write") {
		t.Errorf("result %v %v", resultText(res), err)
	}
	if n := countRows(t, path, "t"); n != 0 {
		t.Errorf("t has %d rows", n)
	}
}

func TestToolkit_Execute_ChangeCounts(t *testing.T) {
	path := createDB(t, t.TempDir(), "a.db",
		`CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)`,
		`CREATE TABLE audit(msg TEXT)`,
		`CREATE TRIGGER seq_audit AFTER INSERT ON seq BEGIN INSERT INTO audit VALUES ('x'), ('y'); END`)
	tk := newTestToolkit(t, Config{Write: true, Databases: []Database{{Name: "main", Path: path}}})
	// AUTOINCREMENT also writes sqlite_sequence, and the trigger two audit
	// rows: neither counts.
	if r := execResult(t, tk, "INSERT INTO seq(v) VALUES ('a'), ('b')"); r.RowsAffected != 2 || r.LastInsertID != 2 {
		t.Errorf("autoincrement insert: %+v", r)
	}
	// RETURNING rows are not read, yet the change is complete and counted.
	if r := execResult(t, tk, "INSERT INTO seq(v) VALUES ('c') RETURNING id, v"); r.RowsAffected != 1 || r.LastInsertID != 3 {
		t.Errorf("insert returning: %+v", r)
	}
	if r := execResult(t, tk, "DELETE FROM seq WHERE id > 1 RETURNING id"); r.RowsAffected != 2 || r.LastInsertID != 0 {
		t.Errorf("delete returning: %+v", r)
	}
	if n := countRows(t, path, "seq"); n != 1 {
		t.Errorf("seq has %d rows on disk, want 1", n)
	}
	if n := countRows(t, path, "audit"); n != 6 {
		t.Errorf("audit has %d rows on disk, want 6", n)
	}
}
