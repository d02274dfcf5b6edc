package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// wideRow selects n columns of size-byte values made by expr ('%d' is the
// size).
func wideRow(expr string, n, size int) string {
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf(expr, size) + fmt.Sprintf(" AS c%d", i+1)
	}
	return "SELECT " + strings.Join(cols, ", ")
}

// TestToolkit_Query_HostileSizes runs the calls of issue 10 under a 3 s
// timeout: one row of many 16 MB values, a big sort. Each must stay under
// 256 MB above idle and end within its deadline plus a second, with a
// result that says why it was cut.
func TestToolkit_Query_HostileSizes(t *testing.T) {
	const timeout = 3 * time.Second
	const size = 16_000_000
	endless := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) "
	tests := []struct {
		name string
		sql  string
		want []string // the text holds one of these
	}{
		{name: "many 16 MB texts in one row", sql: wideRow("printf('%%.*c', %d, 'x')", 600, size), want: []string{"more memory than", "first row alone passed the result budget"}},
		{name: "many 16 MB zeroblobs in one row", sql: wideRow("zeroblob(%d)", 600, size), want: []string{"more memory than", "first row alone passed the result budget"}},
		{name: "two 16 MB texts in one row", sql: wideRow("printf('%%.*c', %d, 'x')", 2, size), want: []string{"first row alone passed the result budget of 8192 KiB (at column \"c1\")"}},
		{name: "rows of 1 MB values", sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT x, randomblob(1000000) FROM c", want: []string{"stopped after 6 rows: the result passed 8192 KiB"}},
		{name: "big sort", sql: endless + "SELECT x, randomblob(200) AS b FROM c ORDER BY b", want: []string{"more memory than", "interrupted"}},
		{name: "big group by", sql: endless + "SELECT hex(randomblob(50)) AS k, count(*) FROM c GROUP BY k", want: []string{"more memory than", "interrupted"}},
		{name: "big count distinct", sql: endless + "SELECT count(DISTINCT randomblob(100)) FROM c", want: []string{"more memory than", "interrupted"}},
	}
	tk := newTestToolkit(t, Config{Timeout: timeout, Databases: []Database{{Name: "main", Path: createDB(t, t.TempDir(), "h.db", "CREATE TABLE t(a)")}}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var text string
			wrote := bytesWritten(t)
			rise, took := measure(t, func() {
				text = resultText(invoke(t, tk, "sqlite_query", map[string]any{"sql": tt.sql, "max_rows": 5000}))
			})
			wrote = bytesWritten(t) - wrote
			checkBounds(t, rise, took, timeout)
			if !containsAny(text, tt.want) {
				t.Errorf("result does not say why it was cut (want one of %q):\n%.600s", tt.want, text)
			}
			// Sorts and temporary tables stay in (bounded) memory: no temp files.
			if wrote > 64<<20 {
				t.Errorf("the call wrote %d MiB (temp files?)", wrote>>20)
			}
			// The toolkit still answers.
			if qr := queryRows(t, tk, map[string]any{"sql": "SELECT 1"}); qr.RowCount != 1 {
				t.Errorf("SELECT 1 after the attack: %+v", qr)
			}
		})
	}
}

// giantSchemaDB creates tables tables of cols columns each.
func giantSchemaDB(t *testing.T, tables, cols int) string {
	t.Helper()
	var def strings.Builder
	for c := range cols {
		if c > 0 {
			def.WriteString(", ")
		}
		fmt.Fprintf(&def, "column_%03d TEXT NOT NULL DEFAULT 'x'", c)
	}
	stmts := []string{"BEGIN"}
	for i := range tables {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE table_%05d(%s)", i, def.String()))
	}
	stmts = append(stmts, "COMMIT")
	return createDB(t, t.TempDir(), "giant.db", stmts...)
}

// TestToolkit_Schema_Giant describes 3,000 tables of 100 columns: the result
// stays within its budget, names the tables left out and says how to ask for
// them, within the memory and time limits.
func TestToolkit_Schema_Giant(t *testing.T) {
	const timeout = 5 * time.Second
	path := giantSchemaDB(t, 3000, 100)
	tk := newTestToolkit(t, Config{Timeout: timeout, Databases: []Database{{Name: "main", Path: path}}})
	var res SchemaResult
	var text string
	rise, took := measure(t, func() {
		r := mustOK(t, tk, "sqlite_schema", map[string]any{})
		text = resultText(r)
		decodeStructured(t, r, &res)
	})
	checkBounds(t, rise, took, timeout)
	if len(text) > DefaultMaxSchemaBytes+64<<10 {
		t.Errorf("text is %d bytes, budget %d", len(text), DefaultMaxSchemaBytes)
	}
	if !res.Truncated || res.TotalTables != 3000 || len(res.Tables) == 0 || len(res.Tables)+len(res.NotDescribed) > 3000 || len(res.NotDescribed) != maxNotDescribed {
		t.Fatalf("truncated=%v total=%d described=%d not described=%d", res.Truncated, res.TotalTables, len(res.Tables), len(res.NotDescribed))
	}
	firstLine, _, _ := strings.Cut(text, "\n")
	for _, want := range []string{"3000 tables and views", "truncated", "table argument", "OFFSET"} {
		if !strings.Contains(firstLine, want) {
			t.Errorf("first line lacks %q: %.300s", want, firstLine)
		}
	}
	// A table left out can be described on its own.
	one := schemaOf(t, tk, map[string]any{"table": res.NotDescribed[0]})
	if len(one.Tables) != 1 || len(one.Tables[0].Columns) != 100 || one.Truncated {
		t.Errorf("describing %s alone: %d tables, truncated %v", res.NotDescribed[0], len(one.Tables), one.Truncated)
	}
}
