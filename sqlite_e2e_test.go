package main

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// makeDB creates a real SQLite file with every value type and 300 rows.
func makeDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shop.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, photo BLOB, note TEXT DEFAULT 'none')`,
		`CREATE INDEX items_name ON items(name)`,
		`CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300) INSERT INTO items(name, price, note) SELECT 'item' || i, i * 0.5, NULL FROM n`,
		`UPDATE items SET photo = x'89504e47', note = 'has photo' WHERE id = 1`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

func TestServe_SQLiteWithGoSDK(t *testing.T) {
	path := makeDB(t)
	cs := connectStdio(t, "--root", t.TempDir(), "--toolkits", "sqlite", "--sqlite", "shop="+path)
	var schema struct {
		Database string
		Tables   []struct {
			Name, Type string
			Columns    []struct {
				Name, Type string
				NotNull    bool `json:"not_null"`
				PrimaryKey int  `json:"primary_key"`
			}
			Indexes []struct{ Name string }
		}
	}
	callTool(t, cs, "sqlite_schema", map[string]any{}, &schema)
	if schema.Database != "shop" || len(schema.Tables) != 2 || schema.Tables[0].Name != "cheap" || schema.Tables[1].Name != "items" {
		t.Fatalf("schema = %+v", schema)
	}
	items := schema.Tables[1]
	if len(items.Columns) != 5 || items.Columns[0].PrimaryKey != 1 || !items.Columns[1].NotNull || items.Columns[2].Type != "REAL" || len(items.Indexes) != 1 {
		t.Errorf("items table = %+v", items)
	}

	var q struct {
		Columns   []string
		Rows      [][]any
		RowCount  int `json:"row_count"`
		Truncated bool
	}
	// Each parameter type: integer, real, text, boolean and null.
	callTool(t, cs, "sqlite_query", map[string]any{
		"sql":    "SELECT id, name, price, photo, note, ? AS flag, ? AS empty FROM items WHERE id = ? AND price >= ? AND name = ?",
		"params": []any{true, nil, 1, 0.5, "item1"},
	}, &q)
	if q.RowCount != 1 {
		t.Fatalf("query with params: %+v", q)
	}
	row, _ := json.Marshal(q.Rows[0])
	if string(row) != `[1,"item1",0.5,{"$blob_base64":"iVBORw=="},"has photo",1,null]` {
		t.Errorf("row = %s: integers, reals, text, blob marker and null must keep their types", row)
	}
	callTool(t, cs, "sqlite_query", map[string]any{"sql": "SELECT * FROM items ORDER BY id", "max_rows": 50}, &q)
	if q.RowCount != 50 || !q.Truncated || len(q.Rows) != 50 {
		t.Errorf("max_rows 50: %d rows, truncated %v", q.RowCount, q.Truncated)
	}
	res := callTool(t, cs, "sqlite_query", map[string]any{"sql": "DELETE FROM items"}, nil)
	if !res.IsError || !strings.Contains(resultText(res), "--sqlite-write") {
		t.Errorf("a write in read-only mode should say how to allow writes: %s", resultText(res))
	}
	res = callTool(t, cs, "sqlite_query", map[string]any{"sql": "SELEC 1"}, nil)
	if !res.IsError || !strings.Contains(resultText(res), "syntax error") {
		t.Errorf("syntax error result: %s", resultText(res))
	}
	var count struct{ Rows [][]any }
	callTool(t, cs, "sqlite_query", map[string]any{"sql": "SELECT count(*) FROM items"}, &count)
	if n, _ := count.Rows[0][0].(float64); n != 300 {
		t.Errorf("the refused write changed the table: %v rows", count.Rows)
	}
}
