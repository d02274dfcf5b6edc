package sqlite

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// shopDB has the schema features sqlite_schema reports.
func shopDB(t *testing.T, analyze bool) string {
	stmts := []string{
		`CREATE TABLE customers(
			id INTEGER PRIMARY KEY,
			email TEXT NOT NULL UNIQUE,
			name TEXT DEFAULT 'anonymous',
			created DATETIME DEFAULT CURRENT_TIMESTAMP,
			email_domain TEXT GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL)`,
		`CREATE TABLE order_lines(
			order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
			line INTEGER NOT NULL,
			sku TEXT,
			qty INTEGER NOT NULL DEFAULT 1,
			PRIMARY KEY (order_id, line))`,
		`CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL)`,
		`CREATE INDEX orders_customer ON orders(customer_id)`,
		`CREATE INDEX orders_big ON orders(total) WHERE total > 100`,
		`CREATE INDEX customers_lower_email ON customers(lower(email))`,
		`CREATE VIEW big_orders AS SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > 100`,
		`CREATE TABLE "odd ""name"""(x)`,
		`INSERT INTO customers(email) VALUES ('a@x.org'), ('b@y.org'), ('c@z.org')`,
		`INSERT INTO orders(customer_id, total) VALUES (1, 10), (2, 200)`,
	}
	if analyze {
		stmts = append(stmts, "ANALYZE")
	}
	return createDB(t, t.TempDir(), "shop.db", stmts...)
}

func schemaOf(t *testing.T, tk *Toolkit, args map[string]any) SchemaResult {
	t.Helper()
	var s SchemaResult
	decodeStructured(t, mustOK(t, tk, "sqlite_schema", args), &s)
	return s
}

func TestToolkit_Schema(t *testing.T) {
	tk := oneDB(t, shopDB(t, true))
	s := schemaOf(t, tk, map[string]any{})
	var names []string
	for _, tb := range s.Tables {
		names = append(names, tb.Type+":"+tb.Name)
	}
	if got, want := strings.Join(names, ","), `view:big_orders,table:customers,table:odd "name",table:order_lines,table:orders`; got != want {
		t.Fatalf("tables = %s, want %s (sqlite_stat1 hidden)", got, want)
	}

	cust := s.Tables[1]
	wantCols := `[{"name":"id","type":"INTEGER","not_null":false,"primary_key":1,"default":null},` +
		`{"name":"email","type":"TEXT","not_null":true,"primary_key":0,"default":null},` +
		`{"name":"name","type":"TEXT","not_null":false,"primary_key":0,"default":"'anonymous'"},` +
		`{"name":"created","type":"DATETIME","not_null":false,"primary_key":0,"default":"CURRENT_TIMESTAMP"},` +
		`{"name":"email_domain","type":"TEXT","not_null":false,"primary_key":0,"default":null,"generated":true}]`
	if got := mustJSON(t, cust.Columns); got != wantCols {
		t.Errorf("customers columns\n got %s\nwant %s", got, wantCols)
	}
	wantIdx := `[{"name":"customers_lower_email","unique":false,"columns":["(expression)"],"origin":"c","partial":false},` +
		`{"name":"sqlite_autoindex_customers_1","unique":true,"columns":["email"],"origin":"u","partial":false}]`
	if got := mustJSON(t, cust.Indexes); got != wantIdx {
		t.Errorf("customers indexes\n got %s\nwant %s", got, wantIdx)
	}
	if cust.RowEstimate == nil || *cust.RowEstimate != 3 {
		t.Errorf("customers row estimate = %v, want 3", cust.RowEstimate)
	}

	lines := s.Tables[3]
	if lines.Columns[0].PrimaryKey != 1 || lines.Columns[1].PrimaryKey != 2 || lines.Columns[3].Default == nil || *lines.Columns[3].Default != "1" {
		t.Errorf("order_lines columns: %+v", lines.Columns)
	}
	wantFK := `[{"columns":["order_id"],"ref_table":"orders","ref_columns":["id"],"on_update":"NO ACTION","on_delete":"CASCADE"}]`
	if got := mustJSON(t, lines.ForeignKeys); got != wantFK {
		t.Errorf("order_lines foreign keys\n got %s\nwant %s", got, wantFK)
	}
	if lines.RowEstimate != nil {
		t.Errorf("order_lines has no stat row, got estimate %d", *lines.RowEstimate)
	}

	view := s.Tables[0]
	if len(view.Columns) != 2 || view.Columns[1].Name != "email" || len(view.Indexes) != 0 || view.RowEstimate != nil {
		t.Errorf("view: %+v", view)
	}
	orders := s.Tables[4]
	if got := mustJSON(t, orders.Indexes); !strings.Contains(got, `"name":"orders_big","unique":false,"columns":["total"],"origin":"c","partial":true`) {
		t.Errorf("orders indexes: %s", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestToolkit_Schema_OneTable(t *testing.T) {
	tk := oneDB(t, shopDB(t, false))
	tests := []struct {
		name  string
		table string
		want  string
	}{
		{name: "exact", table: "orders", want: "orders"},
		{name: "case-insensitive", table: "ORDERS", want: "orders"},
		{name: "view", table: "big_orders", want: "big_orders"},
		{name: "quotes in the name", table: `odd "name"`, want: `odd "name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schemaOf(t, tk, map[string]any{"table": tt.table})
			if len(s.Tables) != 1 || s.Tables[0].Name != tt.want {
				t.Errorf("tables = %+v", s.Tables)
			}
			if s.Tables[0].RowEstimate != nil {
				t.Errorf("row estimate without ANALYZE: %d", *s.Tables[0].RowEstimate)
			}
		})
	}
	msg := mustFail(t, tk, "sqlite_schema", map[string]any{"table": "invoices"})
	if want := `no table or view named "invoices" in database "main"; it has: big_orders, customers, odd "name", order_lines, orders`; msg != want {
		t.Errorf("message\n got %q\nwant %q", msg, want)
	}
	msg = mustFail(t, tk, "sqlite_schema", map[string]any{"database": "other"})
	if !strings.Contains(msg, `no database named "other"`) {
		t.Errorf("unknown database: %q", msg)
	}
}

func TestToolkit_Schema_EmptyDatabase(t *testing.T) {
	tk := oneDB(t, createDB(t, t.TempDir(), "empty.db"))
	res := mustOK(t, tk, "sqlite_schema", map[string]any{})
	if got := structuredJSON(t, res); got != `{"database":"main","tables":[],"total_tables":0,"truncated":false}` {
		t.Errorf("structured = %s", got)
	}
	if text := resultText(res); text != "-- database main: 0 tables and views\n" {
		t.Errorf("text = %s", text)
	}
}

func TestToolkit_ResourceTemplates(t *testing.T) {
	tk := newTestToolkit(t, Config{Databases: []Database{{Name: "shop", Path: shopDB(t, true)}}})
	tpls := tk.ResourceTemplates()
	if len(tpls) != 1 || tpls[0].Def.URITemplate.Raw() != "sqlite://{database}/schema" || tpls[0].Def.MIMEType != "text/plain" {
		t.Fatalf("templates = %+v", tpls)
	}
	read := func(uri string) ([]mcp.ResourceContents, error) {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = uri
		return tpls[0].Handler(t.Context(), req)
	}
	contents, err := read("sqlite://shop/schema")
	if err != nil {
		t.Fatal(err)
	}
	text := contents[0].(mcp.TextResourceContents)
	if text.URI != "sqlite://shop/schema" || text.MIMEType != "text/plain" {
		t.Errorf("contents = %+v", text)
	}
	for _, want := range []string{
		"-- database shop: 5 tables and views\n",
		"\t\t\temail_domain TEXT GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL); -- ~3 rows\nCREATE INDEX customers_lower_email ON customers(lower(email));\n",
		"\nCREATE VIEW big_orders AS SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > 100;\n",
		"\nCREATE INDEX orders_big ON orders(total) WHERE total > 100;\n",
	} {
		if !strings.Contains(text.Text, want) {
			t.Errorf("schema text lacks %q:\n%s", want, text.Text)
		}
	}
	for _, bad := range []string{"sqlite://nope/schema", "sqlite://shop/tables", "http://shop/schema", "sqlite:///schema"} {
		if _, err := read(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestToolkit_Schema_BrokenView(t *testing.T) {
	path := createDB(t, t.TempDir(), "v.db", "CREATE TABLE t(a)", "CREATE VIEW v AS SELECT a FROM t", "DROP TABLE t", "CREATE TABLE u(b)")
	tk := oneDB(t, path)
	s := schemaOf(t, tk, map[string]any{})
	if len(s.Tables) != 2 || s.Tables[0].Name != "u" || len(s.Tables[0].Columns) != 1 {
		t.Fatalf("tables = %+v", s.Tables)
	}
	if v := s.Tables[1]; v.Name != "v" || len(v.Columns) != 0 || v.Error != "no such table: main.t" {
		t.Errorf("broken view = %+v", v)
	}
}
