package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"
)

// valuesDB has one row of every storage class and a row of NULLs.
func valuesDB(t *testing.T) string {
	return createDB(t, t.TempDir(), "values.db",
		`CREATE TABLE v(i INTEGER, r REAL, s TEXT, b BLOB, n ANY)`,
		`INSERT INTO v VALUES (9007199254740993, 1.0, 'héllo | "x"'||char(10)||'y', X'00FF10', NULL)`,
		`INSERT INTO v VALUES (-42, 2.5e-7, '', X'', NULL)`,
	)
}

func TestToolkit_Query_ValueTypes(t *testing.T) {
	tk := oneDB(t, valuesDB(t))
	res := mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT i, r, s, b, n FROM v ORDER BY rowid"})

	wantRows := `[[9007199254740993,1.0,"héllo | \"x\"\ny",{"$blob_base64":"AP8Q"},null],` +
		`[-42,2.5e-7,"",{"$blob_base64":""},null]]`
	if got := rowsJSON(t, res); got != wantRows {
		t.Errorf("rows\n got %s\nwant %s", got, wantRows)
	}
	var qr QueryResult
	decodeStructured(t, res, &qr)
	if qr.Database != "main" || strings.Join(qr.Columns, ",") != "i,r,s,b,n" || qr.RowCount != 2 || qr.Truncated || qr.ElapsedMS < 0 {
		t.Errorf("result fields: %+v", qr)
	}

	wantText := "(2 rows)\n" +
		"i                | r      | s               | b         | n\n" +
		"-----------------+--------+-----------------+-----------+-----\n" +
		"9007199254740993 | 1.0    | héllo \\| \"x\"\\ny | X'00FF10' | NULL\n" +
		"-42              | 2.5e-7 |                 | X''       | NULL\n"
	text := resultText(res)
	if text != wantText {
		t.Errorf("text table\n got:\n%s\nwant:\n%s", text, wantText)
	}
}

func TestToolkit_Query_Params(t *testing.T) {
	tk := oneDB(t, valuesDB(t))
	tests := []struct {
		name     string
		param    string // JSON
		wantType string
		wantJSON string
	}{
		{name: "integer", param: `7`, wantType: "integer", wantJSON: `7`},
		{name: "big integer stays exact", param: `9007199254740993`, wantType: "integer", wantJSON: `9007199254740993`},
		{name: "negative integer", param: `-3`, wantType: "integer", wantJSON: `-3`},
		{name: "real", param: `2.5`, wantType: "real", wantJSON: `2.5`},
		{name: "real written as integral", param: `3.0`, wantType: "real", wantJSON: `3.0`},
		{name: "exponent is real", param: `1e3`, wantType: "real", wantJSON: `1000.0`},
		{name: "string", param: `"o'neil; DROP TABLE v"`, wantType: "text", wantJSON: `"o'neil; DROP TABLE v"`},
		{name: "true binds 1", param: `true`, wantType: "integer", wantJSON: `1`},
		{name: "false binds 0", param: `false`, wantType: "integer", wantJSON: `0`},
		{name: "null", param: `null`, wantType: "null", wantJSON: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"sql": "SELECT typeof(?1), ?1", "params": []any{json.RawMessage(tt.param)}}
			res := mustOK(t, tk, "sqlite_query", args)
			want := fmt.Sprintf(`[[%q,%s]]`, tt.wantType, tt.wantJSON)
			if got := rowsJSON(t, res); got != want {
				t.Errorf("rows = %s, want %s", got, want)
			}
		})
	}
	// The bound string is data: the table is still there.
	if n := countRows(t, tk.dbs["main"].path, "v"); n != 2 {
		t.Errorf("table v has %d rows, want 2", n)
	}
}

// rowsJSON returns the "rows" member of a query result as wire JSON, so that
// 1 and 1.0 stay apart.
func rowsJSON(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(structuredJSON(t, res)), &m); err != nil {
		t.Fatal(err)
	}
	return string(m["rows"])
}

func TestToolkit_Query_PlaceholderStyles(t *testing.T) {
	tk := oneDB(t, valuesDB(t))
	tests := []struct {
		name, sql string
		params    []any
		want      string
	}{
		{name: "question marks", sql: "SELECT ?, ?", params: []any{1, "b"}, want: `[[1,"b"]]`},
		{name: "numbered", sql: "SELECT ?2, ?1", params: []any{1, "b"}, want: `[["b",1]]`},
		{name: "named, bound in order", sql: "SELECT :first, @second, $third", params: []any{1, 2, 3}, want: `[[1,2,3]]`},
		{name: "reused name", sql: "SELECT :x + :x", params: []any{20}, want: `[[40]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustOK(t, tk, "sqlite_query", map[string]any{"sql": tt.sql, "params": tt.params})
			if got := rowsJSON(t, res); got != tt.want {
				t.Errorf("rows = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestToolkit_Query_ParamErrors(t *testing.T) {
	tk := oneDB(t, valuesDB(t))
	tests := []struct {
		name   string
		sql    string
		params []any
		want   string
	}{
		{name: "object", sql: "SELECT ?", params: []any{map[string]any{"a": 1}}, want: "params[0]: is a JSON object"},
		{name: "array", sql: "SELECT ?", params: []any{[]any{1}}, want: "params[0]: is a JSON array"},
		{name: "integer overflow", sql: "SELECT ?", params: []any{json.RawMessage(`92233720368547758070`)}, want: "outside SQLite's 64-bit integer range"},
		{name: "too few", sql: "SELECT ?, ?", params: []any{1}, want: "2 placeholder(s) but params has 1"},
		{name: "too many", sql: "SELECT ?", params: []any{1, 2}, want: "1 placeholder(s) but params has 2"},
		{name: "none expected", sql: "SELECT 1", params: []any{1}, want: "0 placeholder(s) but params has 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": tt.sql, "params": tt.params})
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestToolkit_Query_MaxRows(t *testing.T) {
	path := createDB(t, t.TempDir(), "n.db",
		`CREATE TABLE n(x INTEGER)`,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300) INSERT INTO n SELECT x FROM c`)
	tk := oneDB(t, path)
	tests := []struct {
		name          string
		sql           string
		maxRows       any
		wantRows      int
		wantTruncated bool
	}{
		{name: "default is 200", sql: "SELECT x FROM n", wantRows: 200, wantTruncated: true},
		{name: "cap below the rows", sql: "SELECT x FROM n", maxRows: 7, wantRows: 7, wantTruncated: true},
		{name: "cap equal to the rows", sql: "SELECT x FROM n LIMIT 7", maxRows: 7, wantRows: 7},
		{name: "cap above the rows", sql: "SELECT x FROM n", maxRows: 5000, wantRows: 300},
		{name: "no rows", sql: "SELECT x FROM n WHERE x < 0", maxRows: 1, wantRows: 0},
		// An endless CTE returns at once: reading stops at the cap.
		{name: "endless recursive CTE", sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c", maxRows: 5, wantRows: 5, wantTruncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"sql": tt.sql}
			if tt.maxRows != nil {
				args["max_rows"] = tt.maxRows
			}
			res := mustOK(t, tk, "sqlite_query", args)
			var qr QueryResult
			decodeStructured(t, res, &qr)
			if qr.RowCount != tt.wantRows || len(qr.Rows) != tt.wantRows || qr.Truncated != tt.wantTruncated {
				t.Errorf("row_count=%d rows=%d truncated=%v, want %d rows truncated=%v", qr.RowCount, len(qr.Rows), qr.Truncated, tt.wantRows, tt.wantTruncated)
			}
			if len(qr.Rows) > 0 && fmt.Sprint(qr.Rows[0][0]) != "1" {
				t.Errorf("first row = %v, want 1", qr.Rows[0])
			}
			if tt.wantTruncated != strings.Contains(resultText(res), "truncated") {
				t.Errorf("text footer does not match truncated=%v:\n%s", tt.wantTruncated, resultText(res))
			}
		})
	}
	for _, bad := range []any{0, -1, 5001} {
		msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": "SELECT 1", "max_rows": bad})
		if !strings.Contains(msg, "max_rows must be between 1 and 5000") {
			t.Errorf("max_rows=%v: message %q", bad, msg)
		}
	}
}

func TestToolkit_Query_ResultByteCap(t *testing.T) {
	tk := newTestToolkit(t, Config{MaxResultBytes: 64 << 10, Databases: []Database{{Name: "main", Path: createDB(t, t.TempDir(), "b.db", "CREATE TABLE t(a)")}}})
	// A 16 KiB blob counts about 21 KiB (its base64), so the third row
	// would pass the 64 KiB cap.
	res := mustOK(t, tk, "sqlite_query", map[string]any{
		"sql":      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) SELECT x, zeroblob(16384) FROM c",
		"max_rows": 100,
	})
	var qr QueryResult
	decodeStructured(t, res, &qr)
	if !qr.Truncated || qr.RowCount != 2 || len(qr.Notes) != 1 || !strings.Contains(qr.Notes[0], "passed 64 KiB") {
		t.Errorf("rows=%d truncated=%v notes=%v, want 2 rows, truncated, with a note", qr.RowCount, qr.Truncated, qr.Notes)
	}
	// A single value beyond SQLITE_LIMIT_LENGTH is refused by the engine.
	msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": "SELECT zeroblob(100000000)"})
	if !strings.Contains(msg, "too big") {
		t.Errorf("huge value: message %q", msg)
	}
}

func TestToolkit_Query_DriverConversions(t *testing.T) {
	path := createDB(t, t.TempDir(), "c.db",
		`CREATE TABLE e(at DATETIME, day DATE, flag BOOLEAN, epoch TIMESTAMP)`,
		`INSERT INTO e VALUES ('2024-03-01 12:30:00', '2024-03-01', 2, 1700000000)`)
	tk := oneDB(t, path)
	res := mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT at, day, flag, epoch, +at, +flag, +epoch FROM e"})
	if got, want := rowsJSON(t, res), `[["2024-03-01 12:30:00","2024-03-01",true,"2023-11-14 22:13:20","2024-03-01 12:30:00",2,1700000000]]`; got != want {
		t.Errorf("rows = %s, want %s", got, want)
	}
	var qr QueryResult
	decodeStructured(t, res, &qr)
	if len(qr.Notes) != 4 || !strings.Contains(qr.Notes[0], `column "at" is declared DATETIME`) || !strings.Contains(qr.Notes[0], "select +at") {
		t.Errorf("notes = %q", qr.Notes)
	}
	if !strings.Contains(resultText(res), "note: column \"flag\" is declared BOOLEAN") {
		t.Errorf("text has no conversion note:\n%s", resultText(res))
	}
}

func TestToolkit_Query_BadInput(t *testing.T) {
	dir := t.TempDir()
	path := createDB(t, dir, "shop.db", "CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL)")
	tk := oneDB(t, path)
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{name: "unknown database", args: map[string]any{"sql": "SELECT 1", "database": "nope"}, want: []string{`no database named "nope"`, "main"}},
		{name: "no such table", args: map[string]any{"sql": "SELECT * FROM customers"}, want: []string{"no such table: customers", "sqlite_schema"}},
		{name: "no such column", args: map[string]any{"sql": "SELECT name FROM orders"}, want: []string{"no such column: name"}},
		{name: "syntax error with position", args: map[string]any{"sql": "SELECT id,\n  total\nFROM orders WHERE total > = 3"},
			want: []string{`near "=": syntax error at line 3, column 27`, "FROM orders WHERE total > = 3\n                          ^"}},
		{name: "misspelt keyword", args: map[string]any{"sql": "SELEC id FROM orders"}, want: []string{`near "SELEC": syntax error at line 1, column 1`}},
		{name: "unterminated string", args: map[string]any{"sql": "SELECT 'abc FROM orders"}, want: []string{"unrecognized token", "column 8"}},
		{name: "incomplete", args: map[string]any{"sql": "SELECT * FROM orders WHERE"}, want: []string{"incomplete input", "column 27"}},
		{name: "empty", args: map[string]any{"sql": "  -- nothing\n ; "}, want: []string{"holds no statement"}},
		{name: "missing sql", args: map[string]any{}, want: []string{"holds no statement"}},
		{name: "NUL byte", args: map[string]any{"sql": "SELECT 1\x00; DELETE FROM orders"}, want: []string{"NUL byte"}},
		{name: "wrong argument type", args: map[string]any{"sql": 5}, want: []string{"invalid arguments for sqlite_query"}},
		{name: "write", args: map[string]any{"sql": "DELETE FROM orders"}, want: []string{"this database is read-only; writes need --sqlite-write", `DELETE on table "orders"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := mustFail(t, tk, "sqlite_query", tt.args)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestToolkit_Query_SeveralDatabases(t *testing.T) {
	dir := t.TempDir()
	a := createDB(t, dir, "a.db", "CREATE TABLE t(x)", "INSERT INTO t VALUES ('from a')")
	b := createDB(t, dir, "b.db", "CREATE TABLE t(x)", "INSERT INTO t VALUES ('from b')")
	tk := newTestToolkit(t, Config{Databases: []Database{{Name: "a", Path: a}, {Name: "b", Path: b}}})
	msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": "SELECT x FROM t"})
	if !strings.Contains(msg, "pass the database argument, one of: a, b") {
		t.Errorf("message %q", msg)
	}
	for _, name := range []string{"a", "b"} {
		qr := queryRows(t, tk, map[string]any{"sql": "SELECT x FROM t", "database": name})
		if qr.Database != name || len(qr.Rows) != 1 || qr.Rows[0][0] != "from "+name {
			t.Errorf("database %s: %+v", name, qr)
		}
	}
}

func TestToolkit_Query_FileChangesAfterStart(t *testing.T) {
	tests := []struct {
		name   string
		change func(path string) error
		want   string
	}{
		{name: "deleted", change: os.Remove, want: "no longer exists"},
		{name: "overwritten with garbage", change: func(p string) error {
			return os.WriteFile(p, []byte(strings.Repeat("garbage!", 4096)), 0o600)
		}, want: "is not a SQLite database or is corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := createDB(t, t.TempDir(), "x.db", "CREATE TABLE t(a)", "INSERT INTO t VALUES (1)")
			tk := oneDB(t, path)
			mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT a FROM t"})
			if err := tt.change(path); err != nil {
				t.Fatal(err)
			}
			for range 2 { // the toolkit keeps answering
				if msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": "SELECT a FROM t"}); !strings.Contains(msg, tt.want) {
					t.Errorf("message %q does not contain %q", msg, tt.want)
				}
			}
		})
	}
}

func TestToolkit_Query_Pragmas(t *testing.T) {
	path := createDB(t, t.TempDir(), "p.db", "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)", "CREATE INDEX tb ON t(b)")
	tk := oneDB(t, path)
	allowed := []string{
		"PRAGMA table_info(t)", "PRAGMA table_xinfo('t')", "PRAGMA index_list(t)", "PRAGMA index_info(tb)",
		"PRAGMA foreign_key_list(t)", "PRAGMA integrity_check", "PRAGMA quick_check", "PRAGMA user_version",
		"PRAGMA page_count", "PRAGMA table_list", "PRAGMA foreign_key_check", "PRAGMA main.schema_version",
		"SELECT * FROM pragma_table_info('t')", "PRAGMA query_only", "PRAGMA compile_options",
	}
	for _, sql := range allowed {
		mustOK(t, tk, "sqlite_query", map[string]any{"sql": sql})
	}
	refused := []string{"PRAGMA user_version = 3", "PRAGMA query_only = 0", "PRAGMA journal_mode", "PRAGMA optimize", "PRAGMA wal_checkpoint", "PRAGMA cache_size = 10"}
	for _, sql := range refused {
		if msg := mustFail(t, tk, "sqlite_query", map[string]any{"sql": sql}); !strings.Contains(msg, "PRAGMA") && !strings.Contains(msg, "read-only") {
			t.Errorf("%s: message %q", sql, msg)
		}
	}
}

// A WAL database that another process has open for writing is read with the
// latest committed data, and uncommitted data stays invisible.
func TestToolkit_Query_WALDatabase(t *testing.T) {
	path := createDB(t, t.TempDir(), "wal.db", "PRAGMA journal_mode = WAL", "CREATE TABLE t(a)", "INSERT INTO t VALUES (1)")
	app, err := sql.Open("sqlite3", fileURI(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.SetMaxOpenConns(1)
	tk := oneDB(t, path)
	if _, err := app.Exec("INSERT INTO t VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	if got := rowsJSON(t, mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT count(*) FROM t"})); got != "[[2]]" {
		t.Errorf("count after the app's commit = %s, want [[2]]", got)
	}
	if _, err := app.Exec("BEGIN; INSERT INTO t VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	if got := rowsJSON(t, mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT count(*) FROM t"})); got != "[[2]]" {
		t.Errorf("count during the app's transaction = %s, want [[2]]", got)
	}
	if _, err := app.Exec("COMMIT"); err != nil {
		t.Fatal(err)
	}
}

func TestToolkit_Query_Logs(t *testing.T) {
	var buf bytes.Buffer
	path := createDB(t, t.TempDir(), "l.db", "CREATE TABLE t(a)")
	tk := newTestToolkit(t, Config{Logger: zerolog.New(&buf).Level(zerolog.DebugLevel), Databases: []Database{{Name: "main", Path: path}}})
	mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT 'secret value' FROM t"})
	line := buf.String()
	if !strings.Contains(line, `"tool":"sqlite_query"`) || !strings.Contains(line, `"database":"main"`) || !strings.Contains(line, `"rows":0`) {
		t.Errorf("log line %q", line)
	}
	if strings.Contains(line, "secret value") {
		t.Errorf("the log holds the SQL text: %q", line)
	}
}
