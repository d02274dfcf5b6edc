package sqlite

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
)

// bigDB generates a table of 1,000,000 rows in one statement (so one
// transaction) through a plain write connection.
func bigDB(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.db")
	db, err := sql.Open("sqlite3", fileURI(path, "_journal_mode=OFF&_synchronous=OFF"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		`CREATE TABLE big(id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER NOT NULL, price REAL, note TEXT)`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000000)
		 INSERT INTO big SELECT i, 'item-' || i, i % 97, (i % 1000) / 4.0, CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || (i % 13) END FROM c`,
	} {
		if _, err := db.Exec(s); err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// BenchmarkToolkit_Query measures sqlite_query returning 5,000 rows of a
// 1,000,000-row table, including the JSON encoding the transport does.
func BenchmarkToolkit_Query(b *testing.B) {
	tk := oneDB(b, bigDB(b))
	limit := map[string]any{
		"sql":      "SELECT id, name, category, price, note FROM big WHERE id > ? ORDER BY id LIMIT 5000",
		"params":   []any{500_000},
		"max_rows": 5000,
	}
	cases := []struct {
		name   string
		args   map[string]any
		encode bool // also encode the result as the transport does
	}{
		{name: "limit_5000", args: limit, encode: true},
		// No LIMIT: reading stops at max_rows, so the cost does not grow with
		// the table.
		{name: "max_rows_5000_of_1M", args: map[string]any{
			"sql":      "SELECT id, name, category, price, note FROM big",
			"max_rows": 5000,
		}, encode: true},
		// The handler alone, without mcp-go's JSON encoding of the result.
		{name: "limit_5000_handler_only", args: limit},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			req := requestFor("sqlite_query", bc.args)
			b.ReportAllocs()
			for b.Loop() {
				res, err := tk.handleQuery(b.Context(), req)
				if err != nil || res.IsError {
					b.Fatalf("query failed: %v %s", err, resultText(res))
				}
				if qr := res.StructuredContent.(*QueryResult); qr.RowCount != 5000 {
					b.Fatalf("got %d rows, want 5000", qr.RowCount)
				}
				if !bc.encode {
					continue
				}
				if _, err := json.Marshal(res); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(5000, "rows/op")
		})
	}
}
