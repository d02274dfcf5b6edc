package sqlite

import (
	"fmt"
	"strings"
)

// renderSchema writes a schema for a model to read, as `sqlite3 DB .schema`
// prints it: each table's and view's CREATE statement as stored, then its
// indexes and triggers, each ending in ";". A first comment line counts the
// tables and, when the budget cut the result, says how to see the rest, so a
// result cut short anywhere still tells how to go on.
func renderSchema(res *SchemaResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- database %s: %d %s", res.Database, res.TotalTables, plural(res.TotalTables, "table or view", "tables and views"))
	if res.Truncated {
		fmt.Fprintf(&b, "; truncated: %s", res.Note)
		if len(res.NotDescribed) > 0 {
			fmt.Fprintf(&b, "\n-- not described: %s", strings.Join(res.NotDescribed, ", "))
		}
	}
	b.WriteByte('\n')
	for _, t := range res.Tables {
		b.WriteString(tableText(t))
	}
	return b.String()
}

// tableText writes one table's or view's statements.
func tableText(t Table) string {
	var b strings.Builder
	stmt := t.SQL
	if stmt == "" {
		stmt = synthesizeCreate(t)
	}
	b.WriteString(stmt)
	b.WriteByte(';')
	if t.RowEstimate != nil {
		fmt.Fprintf(&b, " -- ~%d rows", *t.RowEstimate)
	}
	if t.Error != "" {
		fmt.Fprintf(&b, " -- cannot be described: %s", t.Error)
	}
	b.WriteByte('\n')
	for _, s := range t.OtherSQL {
		b.WriteString(s)
		b.WriteString(";\n")
	}
	return b.String()
}

// synthesizeCreate writes a CREATE statement from the columns, for the rare
// table whose statement SQLite does not store.
func synthesizeCreate(t Table) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = columnText(c, t.Columns)
	}
	return fmt.Sprintf("CREATE %s %s(%s)", strings.ToUpper(t.Type), quoteIdent(t.Name), strings.Join(cols, ", "))
}

// quoteIdent quotes a name for display when it is not a plain identifier.
func quoteIdent(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// columnText writes one column definition.
func columnText(c Column, all []Column) string {
	parts := []string{quoteIdent(c.Name)}
	if c.Type != "" {
		parts = append(parts, c.Type)
	}
	if c.PrimaryKey > 0 && countPK(all) == 1 {
		parts = append(parts, "PRIMARY KEY")
	}
	if c.NotNull {
		parts = append(parts, "NOT NULL")
	}
	if c.Default != nil {
		parts = append(parts, "DEFAULT "+*c.Default)
	}
	return strings.Join(parts, " ")
}

func countPK(cols []Column) int {
	n := 0
	for _, c := range cols {
		if c.PrimaryKey > 0 {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
