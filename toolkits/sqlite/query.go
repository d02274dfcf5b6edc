package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// QueryResult is the structured result of sqlite_query.
type QueryResult struct {
	Database  string   `json:"database" jsonschema:"the database that was queried"`
	Columns   []string `json:"columns" jsonschema:"result column names, in order"`
	Rows      [][]any  `json:"rows" jsonschema:"one array per row, values in column order: INTEGER as integer, REAL as number with a decimal point, TEXT as string, NULL as null, BLOB as {\"$blob_base64\": \"...\"}"`
	RowCount  int      `json:"row_count" jsonschema:"number of rows returned"`
	Truncated bool     `json:"truncated" jsonschema:"true when more rows exist than were returned"`
	ElapsedMS float64  `json:"elapsed_ms" jsonschema:"time the statement took, in milliseconds"`
	Notes     []string `json:"notes,omitempty" jsonschema:"remarks on how values were shown or why the result was cut"`

	budgetCut bool // the byte budget, not max_rows, cut the result
}

type queryArgs struct {
	SQL      string            `json:"sql"`
	Params   []json.RawMessage `json:"params"`
	Database string            `json:"database"`
	MaxRows  *int              `json:"max_rows"`
}

func (tk *Toolkit) queryTool() mcp.Tool {
	return mcp.NewTool("sqlite_query",
		mcp.WithToolTitle("Query a SQLite database"),
		mcp.WithDescription(`Run one read-only SQL statement (SELECT, WITH … SELECT, or an introspection PRAGMA such as table_info) on a SQLite database and get the rows.

Use sqlite_schema first to learn the tables and columns. Put values in params and write ? placeholders instead of pasting values into the SQL. Exactly one statement per call: a second statement after ";" is refused and nothing runs. The database is opened read-only: INSERT, UPDATE, DELETE, CREATE, ATTACH, VACUUM, setting pragmas and the like are refused by the engine`+tk.writeHint()+`.

Reading stops after max_rows rows (default 200, at most 5000), or when the values read pass the result budget (`+byteSize(tk.cfg.MaxResultBytes)+`, the first row's values included); truncated is then true and the first line of the text says so: add LIMIT/OFFSET or a narrower WHERE to page, and select fewer or shorter columns (substr, length) when the budget cut it. A statement running longer than `+tk.cfg.Timeout.String()+` is interrupted. Values keep their SQLite types: INTEGER as integer, REAL as a number with a decimal point, TEXT as string, NULL as null, BLOB as {"$blob_base64": "..."}; only columns declared DATE, DATETIME, TIMESTAMP or BOOLEAN are normalized by the driver (notes then say so; select +col to get the stored value). The text part of the result is a compact table with NULL written as NULL.`),
		mcp.WithString("sql", mcp.Required(), mcp.Description("one SQL statement, e.g. SELECT name, total FROM orders WHERE total > ? ORDER BY total DESC")),
		mcp.WithArray("params", mcp.Description("values bound to the ? placeholders, in order: numbers, strings, booleans (bound as 1/0) or null"),
			mcp.Items(map[string]any{"type": []string{"string", "number", "boolean", "null"}})),
		tk.databaseProperty(),
		mcp.WithInteger("max_rows", mcp.Description("most rows to return"), mcp.DefaultNumber(defaultMaxRows), mcp.Min(1), mcp.Max(maxMaxRows)),
		mcp.WithOutputSchema[QueryResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Query a SQLite database", true, false, true, false)),
	)
}

// writeHint points the model at sqlite_execute when it exists.
func (tk *Toolkit) writeHint() string {
	if tk.cfg.Write {
		return " (use sqlite_execute for writes)"
	}
	return ""
}

// databaseProperty is the database argument shared by all tools.
func (tk *Toolkit) databaseProperty() mcp.ToolOption {
	desc := fmt.Sprintf("which database; may be omitted since only %q is configured", tk.names[0])
	if len(tk.names) > 1 {
		desc = "which database; required, one of: " + strings.Join(tk.names, ", ")
	}
	return mcp.WithString("database", mcp.Description(desc), mcp.Enum(tk.names...))
}

func (tk *Toolkit) handleQuery(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args queryArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	c := call{tool: "sqlite_query"}
	res, err := tk.query(ctx, &c, args)
	if err != nil {
		return tk.fail(ctx, c, err)
	}
	tk.log.Debug().Str("tool", c.tool).Str("database", res.Database).Int("rows", res.RowCount).
		Bool("truncated", res.Truncated).Float64("ms", res.ElapsedMS).Msg("sqlite call")
	return toolkits.ResultWithText(res, renderTable(res)), nil
}

// query validates the arguments and runs the statement on a read connection.
func (tk *Toolkit) query(ctx context.Context, c *call, args queryArgs) (*QueryResult, error) {
	db, err := tk.lookup(args.Database)
	if err != nil {
		return nil, err
	}
	c.db = db
	maxRows := defaultMaxRows
	if args.MaxRows != nil {
		maxRows = *args.MaxRows
	}
	if maxRows < 1 || maxRows > maxMaxRows {
		return nil, modelErrorf("max_rows must be between 1 and %d, got %d; page through bigger results with LIMIT and OFFSET", maxMaxRows, maxRows)
	}
	var res *QueryResult
	notRead := func(st *sqlite3.SQLiteStmt) error {
		if !st.Readonly() {
			return modelErrorf("%s", tk.readOnlyMessage(*c, "a statement that changes the database"))
		}
		return nil
	}
	err = tk.runStatement(ctx, c, db, false, args.Params, args.SQL, notRead,
		func(ctx context.Context, _ *sqlite3.SQLiteConn, st *sqlite3.SQLiteStmt, params []driver.NamedValue, start time.Time) error {
			var err error
			if res, err = readRows(ctx, st, params, maxRows, tk.cfg.MaxResultBytes); err != nil {
				return err
			}
			res.Database = db.name
			res.ElapsedMS = millis(time.Since(start))
			return nil
		})
	return res, err
}

// runStatement runs sqlText alone on pool, under the deadline and the
// policy's authorizer: what sqlite_query and sqlite_execute share. check
// refuses the wrong kind of statement before anything runs; fn runs it.
func (tk *Toolkit) runStatement(ctx context.Context, c *call, db *database, write bool, rawParams []json.RawMessage, sqlText string,
	check func(*sqlite3.SQLiteStmt) error,
	fn func(ctx context.Context, sc *sqlite3.SQLiteConn, st *sqlite3.SQLiteStmt, params []driver.NamedValue, start time.Time) error) error {
	params, err := decodeParams(rawParams)
	if err != nil {
		return err
	}
	if err := c.db.checkFile(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, tk.cfg.Timeout)
	defer cancel()
	run := func(sc *sqlite3.SQLiteConn) error {
		c.g = newGuard(readPolicy)
		if write {
			c.g = newGuard(writePolicy)
		}
		sc.RegisterAuthorizer(c.g.authorize)
		start := time.Now()
		st, err := prepareOne(sc, sqlText)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := check(st); err != nil {
			return err
		}
		if err := checkParamCount(st, params); err != nil {
			return err
		}
		return fn(ctx, sc, st, params, start)
	}
	if write {
		return withRawConn(ctx, db.rw, run)
	}
	return db.read(ctx, run)
}

// checkParamCount compares placeholders and params before anything runs.
func checkParamCount(st *sqlite3.SQLiteStmt, params []driver.NamedValue) error {
	if n := st.NumInput(); n != len(params) {
		return modelErrorf("the statement has %d placeholder(s) but params has %d value(s); pass one value per ? (or ?NNN, :name, @name, $name) in order", n, len(params))
	}
	return nil
}

// readRows steps the statement until maxRows rows are read, one more row
// proves truncation, or the result would pass maxBytes. Every value is
// counted before it is converted, the first row's too, so one row of huge
// values is cut like many rows of small ones.
func readRows(ctx context.Context, st *sqlite3.SQLiteStmt, params []driver.NamedValue, maxRows, maxBytes int) (*QueryResult, error) {
	dr, err := st.QueryContext(ctx, params)
	if err != nil {
		return nil, err
	}
	defer dr.Close()
	rows, ok := dr.(*sqlite3.SQLiteRows)
	if !ok {
		return nil, fmt.Errorf("unexpected rows type %T", dr)
	}
	res := &QueryResult{Columns: append([]string{}, rows.Columns()...), Rows: [][]any{}}
	decl := make([]string, len(res.Columns))
	copy(decl, rows.DeclTypes())
	dest := make([]driver.Value, len(res.Columns))
	conv := make([]int, len(res.Columns))
	size := 0
	for {
		err := rows.Next(dest)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(res.Rows) == maxRows {
			res.Truncated = true
			break
		}
		row, n, over := convertRow(dest, decl, conv, maxBytes-size)
		clear(dest) // let a big value go before the next step
		if over >= 0 {
			res.Truncated, res.budgetCut = true, true
			res.Notes = append(res.Notes, budgetNote(len(res.Rows), res.Columns[over], maxBytes))
			break
		}
		size += n
		res.Rows = append(res.Rows, row)
	}
	res.RowCount = len(res.Rows)
	for i, k := range conv {
		if k != convertedNone {
			res.Notes = append(res.Notes, conversionNote(res.Columns[i], decl[i], k))
		}
	}
	return res, nil
}

// budgetNote says where the result budget cut the result and how to ask for
// less.
func budgetNote(rows int, col string, maxBytes int) string {
	if rows == 0 {
		return fmt.Sprintf("no rows shown: the first row alone passed the result budget of %s (at column %q); select fewer columns, or length(%s) or substr(%s, 1, 1000) instead of whole long values", byteSize(maxBytes), col, col, col)
	}
	return fmt.Sprintf("stopped after %d %s: the result passed %s (at column %q of the next row); select fewer or shorter columns, or page with LIMIT/OFFSET", rows, plural(rows, "row", "rows"), byteSize(maxBytes), col)
}

// byteSize writes n in KiB when it is a whole number of them.
func byteSize(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// convertRow converts one row, noting columns whose values the driver
// changed. It stops at the first value that would take the row past budget
// bytes and returns that column's index as over (else -1).
func convertRow(dest []driver.Value, decl []string, conv []int, budget int) (row []any, size, over int) {
	row = make([]any, len(dest))
	for i, v := range dest {
		if size += valueSize(v); size > budget {
			return nil, size, i
		}
		var k int
		row[i], _, k = convertValue(v, decl[i])
		if k != convertedNone {
			conv[i] = k
		}
	}
	return row, size, -1
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
