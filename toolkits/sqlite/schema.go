package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// SchemaResult is the structured result of sqlite_schema.
type SchemaResult struct {
	Database string  `json:"database" jsonschema:"the database described"`
	Tables   []Table `json:"tables" jsonschema:"tables and views described, sorted by name"`
	// TotalTables counts every table and view, described or not.
	TotalTables int `json:"total_tables" jsonschema:"number of tables and views in the database"`
	// Truncated is true when the size budget left tables undescribed.
	Truncated bool `json:"truncated" jsonschema:"true when some tables were not described because the result reached its size budget; describe them one at a time with the table argument"`
	// NotDescribed names (some of) the tables left out, in order.
	NotDescribed []string `json:"not_described,omitempty" jsonschema:"names of tables and views left out (at most 1000), to pass as table"`
	// Note says how to see what was left out.
	Note string `json:"note,omitempty" jsonschema:"how to see what was left out"`
}

// Table is one table or view.
type Table struct {
	Name        string       `json:"name"`
	Type        string       `json:"type" jsonschema:"table or view"`
	SQL         string       `json:"sql,omitempty" jsonschema:"the CREATE statement as stored in the database"`
	OtherSQL    []string     `json:"other_sql,omitempty" jsonschema:"the CREATE INDEX and CREATE TRIGGER statements of this table, as stored"`
	Columns     []Column     `json:"columns"`
	Indexes     []Index      `json:"indexes"`
	ForeignKeys []ForeignKey `json:"foreign_keys"`
	RowEstimate *int64       `json:"row_estimate,omitempty" jsonschema:"row count recorded by ANALYZE in sqlite_stat1; absent when unknown (use SELECT count(*) for an exact count)"`
	Error       string       `json:"error,omitempty" jsonschema:"why the columns could not be read, e.g. a view over a table that no longer exists"`
}

// Column is one column of a table or view.
type Column struct {
	Name       string  `json:"name"`
	Type       string  `json:"type" jsonschema:"declared type, possibly empty"`
	NotNull    bool    `json:"not_null"`
	PrimaryKey int     `json:"primary_key" jsonschema:"1-based position in the primary key; 0 when not part of it"`
	Default    *string `json:"default" jsonschema:"default value as SQL text; null when none"`
	Generated  bool    `json:"generated,omitempty" jsonschema:"true for a generated column"`
}

// Index is one index of a table.
type Index struct {
	Name    string   `json:"name"`
	Unique  bool     `json:"unique"`
	Columns []string `json:"columns" jsonschema:"indexed columns in order; (expression) for an indexed expression"`
	Origin  string   `json:"origin" jsonschema:"c: CREATE INDEX, u: UNIQUE constraint, pk: PRIMARY KEY"`
	Partial bool     `json:"partial" jsonschema:"true when the index has a WHERE clause"`
}

// ForeignKey is one foreign key constraint of a table.
type ForeignKey struct {
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns" jsonschema:"referenced columns; empty means the referenced table's primary key"`
	OnUpdate   string   `json:"on_update"`
	OnDelete   string   `json:"on_delete"`
}

// Every identifier below is a bound parameter of a pragma table-valued
// function: table and index names are never formatted into SQL.
const (
	sqlListTables = `SELECT name, type, sql FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		ORDER BY name LIMIT ?`
	sqlCountTables = `SELECT count(*) FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	sqlFindTable = `SELECT name, type, sql FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE
		ORDER BY name = ? DESC, name LIMIT 1`
	sqlColumns     = `SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid`
	sqlIndexes     = `SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`
	sqlIndexCols   = `SELECT cid, name FROM pragma_index_info(?) ORDER BY seqno`
	sqlForeignKeys = `SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`
	sqlHasStat1    = `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'`
	sqlStat1       = `SELECT stat FROM sqlite_stat1 WHERE tbl = ? ORDER BY idx IS NOT NULL LIMIT 1`
	sqlOtherSQL    = `SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`
)

// schemaReader runs the schema queries on one read connection.
type schemaReader struct {
	ctx context.Context
	sc  *sqlite3.SQLiteConn
}

// Bounds of one sqlite_schema call.
const (
	// maxListedTables bounds the table names read when describing all.
	maxListedTables = 20000
	// maxNotDescribed bounds the names of tables left out that are returned.
	maxNotDescribed = 1000
)

// loadSchema describes every table and view, or only the one named table,
// until their text passes budget bytes: the tables after that are only named.
func loadSchema(ctx context.Context, sc *sqlite3.SQLiteConn, dbName, table string, budget int) (*SchemaResult, error) {
	r := schemaReader{ctx: ctx, sc: sc}
	var list [][]driver.Value
	var err error
	total := 1
	if table == "" {
		if list, err = r.all(sqlListTables, int64(maxListedTables)); err != nil {
			return nil, err
		}
		n, err := r.all(sqlCountTables)
		if err != nil {
			return nil, err
		}
		total = int(asInt(n[0][0]))
	} else if list, err = r.all(sqlFindTable, table, table); err != nil {
		return nil, err
	}
	if table != "" && len(list) == 0 {
		return nil, r.noSuchTable(dbName, table)
	}
	stat1, err := r.all(sqlHasStat1)
	if err != nil {
		return nil, err
	}
	hasStat1 := len(stat1) == 1 && stat1[0][0] == int64(1)
	res := &SchemaResult{Database: dbName, Tables: make([]Table, 0, min(len(list), 256)), TotalTables: total}
	size := 0
	for i, row := range list {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := r.table(asString(row[0]), asString(row[1]), asString(row[2]), hasStat1)
		if err != nil {
			return nil, err
		}
		size += len(tableText(t))
		if size > budget && i > 0 {
			res.cut(list[i:], total, budget)
			break
		}
		res.Tables = append(res.Tables, t)
	}
	if !res.Truncated && total > len(list) {
		res.cut(nil, total, budget)
	}
	return res, nil
}

// cut records the tables left out of the result.
func (res *SchemaResult) cut(rest [][]driver.Value, total, budget int) {
	res.Truncated = true
	for _, row := range rest[:min(len(rest), maxNotDescribed)] {
		res.NotDescribed = append(res.NotDescribed, asString(row[0]))
	}
	left := total - len(res.Tables)
	res.Note = fmt.Sprintf("%d of %d tables and views are described; the other %d would pass the %d KiB budget of one result. Describe them one at a time with sqlite_schema and the table argument", len(res.Tables), total, left, budget>>10)
	if left > len(res.NotDescribed) {
		res.Note += fmt.Sprintf(", and list their names with sqlite_query: SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name LIMIT 500 OFFSET %d", len(res.Tables)+len(res.NotDescribed))
	}
	res.Note += "."
}

// noSuchTable lists the tables that do exist.
func (r schemaReader) noSuchTable(dbName, table string) error {
	list, err := r.all(sqlListTables, int64(51))
	if err != nil {
		return err
	}
	count, err := r.all(sqlCountTables)
	if err != nil {
		return err
	}
	total := int(asInt(count[0][0]))
	names := make([]string, 0, len(list))
	for _, row := range list {
		names = append(names, asString(row[0]))
	}
	have := "it has no tables or views"
	switch {
	case len(names) > 50:
		have = "it has " + strings.Join(names[:50], ", ") + fmt.Sprintf(" and %d more (call sqlite_schema without table to see all)", total-50)
	case len(names) > 0:
		have = "it has: " + strings.Join(names, ", ")
	}
	return modelErrorf("no table or view named %q in database %q; %s", table, dbName, have)
}

// table describes one table or view.
func (r schemaReader) table(name, typ, sql string, hasStat1 bool) (Table, error) {
	t := Table{Name: name, Type: typ, SQL: sql, Indexes: []Index{}, ForeignKeys: []ForeignKey{}}
	other, err := r.all(sqlOtherSQL, name)
	if err != nil {
		return t, err
	}
	for _, row := range other {
		t.OtherSQL = append(t.OtherSQL, asString(row[0]))
	}
	if t.Columns, err = r.columns(name); err != nil {
		// A view over a dropped table cannot be described; it should not
		// hide the rest of the schema. Other errors (interrupt, lock) still
		// fail the call.
		var se sqlite3.Error
		if !errors.As(err, &se) || se.Code != sqlite3.ErrError {
			return t, err
		}
		t.Columns, t.Error = []Column{}, se.Error()
		return t, nil
	}
	if typ != "table" {
		return t, nil
	}
	if t.Indexes, err = r.indexes(name); err != nil {
		return t, err
	}
	if t.ForeignKeys, err = r.foreignKeys(name); err != nil {
		return t, err
	}
	if hasStat1 {
		t.RowEstimate, err = r.rowEstimate(name)
	}
	return t, err
}

func (r schemaReader) columns(table string) ([]Column, error) {
	rows, err := r.all(sqlColumns, table)
	if err != nil {
		return nil, err
	}
	cols := make([]Column, 0, len(rows))
	for _, row := range rows {
		hidden := asInt(row[5])
		if hidden == 1 { // a virtual table's hidden column
			continue
		}
		c := Column{Name: asString(row[0]), Type: asString(row[1]), NotNull: asInt(row[2]) != 0,
			PrimaryKey: int(asInt(row[4])), Generated: hidden >= 2}
		if row[3] != nil {
			d := asString(row[3])
			c.Default = &d
		}
		cols = append(cols, c)
	}
	return cols, nil
}

func (r schemaReader) indexes(table string) ([]Index, error) {
	rows, err := r.all(sqlIndexes, table)
	if err != nil {
		return nil, err
	}
	out := make([]Index, 0, len(rows))
	for _, row := range rows {
		ix := Index{Name: asString(row[0]), Unique: asInt(row[1]) != 0, Origin: asString(row[2]), Partial: asInt(row[3]) != 0}
		cols, err := r.all(sqlIndexCols, ix.Name)
		if err != nil {
			return nil, err
		}
		ix.Columns = make([]string, 0, len(cols))
		for _, c := range cols {
			switch {
			case asInt(c[0]) == -1:
				ix.Columns = append(ix.Columns, "rowid")
			case c[1] == nil:
				ix.Columns = append(ix.Columns, "(expression)")
			default:
				ix.Columns = append(ix.Columns, asString(c[1]))
			}
		}
		out = append(out, ix)
	}
	return out, nil
}

func (r schemaReader) foreignKeys(table string) ([]ForeignKey, error) {
	rows, err := r.all(sqlForeignKeys, table)
	if err != nil {
		return nil, err
	}
	out := []ForeignKey{}
	last := int64(-1)
	for _, row := range rows {
		if id := asInt(row[0]); id != last || len(out) == 0 {
			last = id
			out = append(out, ForeignKey{RefTable: asString(row[1]), Columns: []string{}, RefColumns: []string{},
				OnUpdate: asString(row[4]), OnDelete: asString(row[5])})
		}
		fk := &out[len(out)-1]
		fk.Columns = append(fk.Columns, asString(row[2]))
		if row[3] != nil {
			fk.RefColumns = append(fk.RefColumns, asString(row[3]))
		}
	}
	return out, nil
}

// rowEstimate reads the row count ANALYZE stored: the first number of stat.
func (r schemaReader) rowEstimate(table string) (*int64, error) {
	rows, err := r.all(sqlStat1, table)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	first, _, _ := strings.Cut(asString(rows[0][0]), " ")
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return nil, nil // an unusual stat string: no estimate
	}
	return &n, nil
}

// all runs one schema query with bound arguments and returns every row.
func (r schemaReader) all(query string, args ...any) ([][]driver.Value, error) {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	rows, err := r.sc.QueryContext(r.ctx, query, named)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]driver.Value
	for {
		dest := make([]driver.Value, len(rows.Columns()))
		err := rows.Next(dest)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, dest)
	}
}

func asString(v driver.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func asInt(v driver.Value) int64 {
	if n, ok := v.(int64); ok {
		return n
	}
	return 0
}
