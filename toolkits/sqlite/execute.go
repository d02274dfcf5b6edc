package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// ExecResult is the structured result of sqlite_execute.
type ExecResult struct {
	Database     string  `json:"database" jsonschema:"the database that was changed"`
	RowsAffected int64   `json:"rows_affected" jsonschema:"rows inserted, updated or deleted by this statement; 0 for schema changes"`
	LastInsertID int64   `json:"last_insert_id" jsonschema:"rowid of the last row this statement inserted; 0 when it inserted none"`
	ElapsedMS    float64 `json:"elapsed_ms" jsonschema:"time the statement took, in milliseconds"`
}

type executeArgs struct {
	SQL      string            `json:"sql"`
	Params   []json.RawMessage `json:"params"`
	Database string            `json:"database"`
}

func (tk *Toolkit) executeTool() mcp.Tool {
	return mcp.NewTool("sqlite_execute",
		mcp.WithToolTitle("Change a SQLite database"),
		mcp.WithDescription(`Run one SQL statement that changes a SQLite database: INSERT, UPDATE, DELETE, CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, CREATE VIEW or TRIGGER. The change is committed at once and cannot be undone, so check the statement (and for UPDATE/DELETE its WHERE clause) first; run a SELECT with sqlite_query to see what it will touch.

Put values in params with ? placeholders. Exactly one statement per call; each call is its own transaction, so BEGIN/COMMIT/SAVEPOINT are refused, as are ATTACH, TEMP objects, VACUUM, extension loading and most pragmas (user_version, application_id, optimize, incremental_vacuum and wal_checkpoint may be set). Statements that only read are refused: use sqlite_query. A statement running longer than `+tk.cfg.Timeout.String()+` is interrupted and rolled back. Returns rows_affected and last_insert_id; rows of a RETURNING clause are not returned.`),
		mcp.WithString("sql", mcp.Required(), mcp.Description("one SQL statement, e.g. UPDATE orders SET status = ? WHERE id = ?")),
		mcp.WithArray("params", mcp.Description("values bound to the ? placeholders, in order: numbers, strings, booleans (bound as 1/0) or null"),
			mcp.Items(map[string]any{"type": []string{"string", "number", "boolean", "null"}})),
		tk.databaseProperty(),
		mcp.WithOutputSchema[ExecResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Change a SQLite database", false, true, false, false)),
	)
}

func (tk *Toolkit) handleExecute(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args executeArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	c := call{tool: "sqlite_execute"}
	res, err := tk.execute(ctx, &c, args)
	if err != nil {
		return tk.fail(ctx, c, err)
	}
	tk.log.Debug().Str("tool", c.tool).Str("database", res.Database).Int64("rows_affected", res.RowsAffected).
		Float64("ms", res.ElapsedMS).Msg("sqlite call")
	return toolkits.Result(res)
}

// execute runs one statement on the database's write connection.
func (tk *Toolkit) execute(ctx context.Context, c *call, args executeArgs) (*ExecResult, error) {
	db, err := tk.lookup(args.Database)
	if err != nil {
		return nil, err
	}
	c.db = db
	if db.rw == nil {
		return nil, modelErrorf("this database is read-only; writes need --sqlite-write")
	}
	var res *ExecResult
	notWrite := func(st *sqlite3.SQLiteStmt) error {
		if st.Readonly() {
			return modelErrorf("this statement only reads; run it with sqlite_query to get its rows")
		}
		return nil
	}
	err = tk.runStatement(ctx, c, db, true, args.Params, args.SQL, notWrite,
		func(ctx context.Context, sc *sqlite3.SQLiteConn, st *sqlite3.SQLiteStmt, params []driver.NamedValue, start time.Time) error {
			if _, err := st.ExecContext(ctx, params); err != nil {
				return err
			}
			// The statement must be finished (finalized) before changes() is
			// about it: go-sqlite3 reads sqlite3_changes after one step, which
			// for INSERT … RETURNING still reports the previous statement.
			_ = st.Close()
			res = &ExecResult{Database: db.name}
			if c.g.rowChanges() {
				// The change is committed: a deadline passing now must not turn
				// it into an error.
				var err error
				if res.RowsAffected, res.LastInsertID, err = lastChanges(context.WithoutCancel(ctx), sc); err != nil {
					return err
				}
				if !c.g.inserted || res.RowsAffected == 0 {
					res.LastInsertID = 0
				}
			}
			res.ElapsedMS = millis(time.Since(start))
			return nil
		})
	return res, err
}

// lastChanges reads changes() and last_insert_rowid() of the connection.
func lastChanges(ctx context.Context, sc *sqlite3.SQLiteConn) (changes, lastID int64, err error) {
	rows, err := sc.QueryContext(ctx, "SELECT changes(), last_insert_rowid()", nil)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	dest := make([]driver.Value, 2)
	if err := rows.Next(dest); err != nil {
		return 0, 0, err
	}
	changes, _ = dest[0].(int64)
	lastID, _ = dest[1].(int64)
	return changes, lastID, nil
}
