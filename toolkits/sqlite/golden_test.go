package sqlite

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/internal/toolcheck"
	"github.com/mark3labs/mcp-go/mcp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	toolcheck.Golden(t, filepath.Join("testdata", "golden", name), got, *update)
}

// TestToolkit_TextGolden pins the text block of every tool, errors of each
// kind included, and checks on each success that the text and the structured
// content tell the same facts and that the structured content validates
// against the tool's output schema.
func TestToolkit_TextGolden(t *testing.T) {
	path := shopDB(t, true)
	tk := newTestToolkit(t, Config{MaxResultBytes: 30, Databases: []Database{{Name: "shop", Path: path}}})
	full := newTestToolkit(t, Config{Databases: []Database{{Name: "shop", Path: path}}})
	tests := []struct {
		name, tool string
		tk         *Toolkit
		args       map[string]any
		wantErr    bool
	}{
		{name: "schema.txt", tool: "sqlite_schema", tk: full, args: map[string]any{}},
		{name: "schema_one_table.txt", tool: "sqlite_schema", tk: full, args: map[string]any{"table": "order_lines"}},
		{name: "query.txt", tool: "sqlite_query", tk: full, args: map[string]any{"sql": "SELECT id, email, name, 1.5 AS r, X'00FF' AS b, NULL AS n, '<a & b>' AS html FROM customers ORDER BY id"}},
		{name: "query_truncated.txt", tool: "sqlite_query", tk: full, args: map[string]any{"sql": "SELECT id, email FROM customers ORDER BY id", "max_rows": 2}},
		{name: "query_budget_cut.txt", tool: "sqlite_query", tk: tk, args: map[string]any{"sql": "SELECT id, email FROM customers ORDER BY id"}},
		{name: "error_no_such_table.txt", tool: "sqlite_schema", tk: full, args: map[string]any{"table": "invoices"}, wantErr: true},
		{name: "error_query_no_such_table.txt", tool: "sqlite_query", tk: full, args: map[string]any{"sql": "SELECT * FROM invoices"}, wantErr: true},
		{name: "error_sql_syntax.txt", tool: "sqlite_query", tk: full, args: map[string]any{"sql": "SELECT id,\nFROM customers"}, wantErr: true},
		{name: "error_read_only.txt", tool: "sqlite_query", tk: full, args: map[string]any{"sql": "DELETE FROM customers"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := invoke(t, tt.tk, tt.tool, tt.args)
			if res.IsError != tt.wantErr {
				t.Fatalf("isError = %v: %s", res.IsError, resultText(res))
			}
			text := resultText(res)
			golden(t, tt.name, text)
			if strings.Contains(text, " ms") || strings.Contains(text, `\u003c`) {
				t.Errorf("text holds a timing or an escape:\n%s", text)
			}
			if tt.wantErr {
				return
			}
			validateOutput(t, tt.tk, tt.tool, res)
			switch tt.tool {
			case "sqlite_query":
				checkQueryText(t, res)
			case "sqlite_schema":
				checkSchemaText(t, res)
			}
		})
	}
}

// validateOutput checks the structured content against the tool's declared
// output schema with a full JSON Schema validator.
func validateOutput(t *testing.T, tk *Toolkit, tool string, res *mcp.CallToolResult) {
	t.Helper()
	for _, tl := range tk.Tools() {
		if tl.Def.Name == tool {
			toolcheck.Validate(t, toolcheck.OutputSchema(t, tl.Def), json.RawMessage(structuredJSON(t, res)))
			return
		}
	}
	t.Fatalf("no tool %s", tool)
}

var summaryLine = regexp.MustCompile(`^\((\d+) rows?(; truncated[^)]*)?\)$`)

// checkQueryText reads the table as a model would and compares it with the
// structured content: row count, truncation, columns and each row's cells.
func checkQueryText(t *testing.T, res *mcp.CallToolResult) {
	t.Helper()
	var qr QueryResult
	decodeStructured(t, res, &qr)
	lines := strings.Split(strings.TrimSuffix(resultText(res), "\n"), "\n")
	m := summaryLine.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("first line %q is not the summary", lines[0])
	}
	if n, _ := strconv.Atoi(m[1]); n != qr.RowCount || (m[2] != "") != qr.Truncated {
		t.Errorf("summary %q, structured rows %d truncated %v", lines[0], qr.RowCount, qr.Truncated)
	}
	lines = lines[1+len(qr.Notes):]
	if qr.RowCount == 0 {
		return
	}
	cells := func(line string) []string {
		parts := strings.Split(line, " | ")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	if got := cells(lines[0]); !slices.Equal(got, qr.Columns) {
		t.Errorf("text columns %q, structured %q", got, qr.Columns)
	}
	rows := lines[2:]
	if len(rows) != qr.RowCount {
		t.Fatalf("text has %d rows, structured %d", len(rows), qr.RowCount)
	}
	for i, line := range rows {
		for j, c := range cells(line) {
			if want := cellText(jsonValue(t, qr.Rows[i][j])); c != want {
				t.Errorf("row %d column %d: text %q, structured %q", i, j, c, want)
			}
		}
	}
}

// jsonValue turns a decoded structured value back into what cellText takes.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil && !strings.ContainsAny(x.String(), ".eE") {
			return n
		}
	case map[string]any:
		var b Blob
		raw, _ := json.Marshal(x)
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		b.raw, _ = decodeBase64(b.Base64)
		return b
	}
	return v
}

var createLine = regexp.MustCompile(`(?m)^CREATE (TABLE|VIEW) ("(?:[^"]|"")*"|\w+)`)

// checkSchemaText finds the tables, views and table columns in the text
// and compares them with the structured content.
func checkSchemaText(t *testing.T, res *mcp.CallToolResult) {
	t.Helper()
	var s SchemaResult
	decodeStructured(t, res, &s)
	text := resultText(res)
	var names []string
	for _, m := range createLine.FindAllStringSubmatch(text, -1) {
		names = append(names, unquote(m[2]))
	}
	var want []string
	for _, tb := range s.Tables {
		want = append(want, tb.Name)
		if tb.Type != "table" {
			continue
		}
		var cols []string
		for _, c := range tb.Columns {
			cols = append(cols, c.Name)
		}
		if got := columnsOf(tb.SQL); !slices.Equal(got, cols) || !strings.Contains(text, tb.SQL) {
			t.Errorf("table %s: text columns %q, structured %q", tb.Name, got, cols)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("text names %q, structured %q", names, want)
	}
}

// columnsOf reads the column names of a CREATE TABLE statement: the first
// word of each top-level part that is not a table constraint.
func columnsOf(create string) []string {
	open := strings.IndexByte(create, '(')
	body := create[open+1 : strings.LastIndexByte(create, ')')]
	var parts []string
	depth, start := 0, 0
	for i, r := range body {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, body[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, body[start:])
	var cols []string
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT":
			continue
		}
		cols = append(cols, unquote(f[0]))
	}
	return cols
}

func unquote(s string) string {
	if strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) && len(s) >= 2 {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}
