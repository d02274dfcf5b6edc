package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// modelError is a problem the model can fix (or at least report); it becomes
// an isError result instead of a Go error.
type modelError struct{ msg string }

func (e *modelError) Error() string { return e.msg }

func modelErrorf(format string, args ...any) error {
	return &modelError{msg: fmt.Sprintf(format, args...)}
}

// sqlError is a failed prepare, with the offset of the offending token in the
// call's SQL text (-1 when unknown).
type sqlError struct {
	err    error
	sql    string
	offset int
}

func (e *sqlError) Error() string { return e.err.Error() }
func (e *sqlError) Unwrap() error { return e.err }

// call describes one tool call, for turning its error into a message.
type call struct {
	tool string
	db   *database
	g    *guard // nil before a connection was used
}

// fail turns err into the call's result: an isError result for anything the
// model or the user can act on, a Go error for infrastructure faults and for
// a caller that went away.
func (tk *Toolkit) fail(parent context.Context, c call, err error) (*mcp.CallToolResult, error) {
	var me *modelError
	if errors.As(err, &me) {
		return toolkits.Errorf("%s", me.msg), nil
	}
	if parent.Err() != nil {
		return nil, fmt.Errorf("%s: %w", c.tool, parent.Err())
	}
	var se sqlite3.Error
	isSQLite := errors.As(err, &se)
	if errors.Is(err, context.DeadlineExceeded) || isSQLite && se.Code == sqlite3.ErrInterrupt {
		return toolkits.Errorf("the statement was interrupted: it ran longer than the %s limit (--sqlite-timeout). Nothing was changed. Make it cheaper: filter on an indexed column, add a LIMIT, and avoid unbounded recursive CTEs and full scans of big tables.", tk.cfg.Timeout), nil
	}
	if !isSQLite {
		if c.db == nil {
			return nil, fmt.Errorf("%s: %w", c.tool, err)
		}
		return nil, fmt.Errorf("%s on database %q: %w", c.tool, c.db.name, err)
	}
	if msg, ok := syntaxMessage(err, se); ok {
		return toolkits.Errorf("%s", msg), nil
	}
	if c.g != nil && c.g.kind != deniedNone {
		return toolkits.Errorf("%s", tk.denialMessage(c)), nil
	}
	return toolkits.Errorf("%s", tk.sqliteMessage(c, se)), nil
}

// sqliteMessage explains an engine error by its code.
func (tk *Toolkit) sqliteMessage(c call, se sqlite3.Error) string {
	msg := se.Error()
	switch se.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return fmt.Sprintf("database %q is locked by another connection or process; gave up after waiting %s. Try again later, or ask the user to finish the transaction that holds the lock. (SQLite: %s)", c.db.name, tk.cfg.BusyTimeout, msg)
	case sqlite3.ErrReadonly:
		if c.tool == "sqlite_execute" {
			return fmt.Sprintf("database %q (%s) cannot be written: the file or its folder is read-only for glm-mcp (SQLite: %s); ask the user to check the permissions", c.db.name, c.db.path, msg)
		}
		return tk.readOnlyMessage(c, "a write")
	case sqlite3.ErrNotADB, sqlite3.ErrCorrupt:
		return fmt.Sprintf("database %q (%s) is not a SQLite database or is corrupt (SQLite: %s); ask the user to check the file", c.db.name, c.db.path, msg)
	case sqlite3.ErrCantOpen, sqlite3.ErrPerm, sqlite3.ErrIoErr:
		return fmt.Sprintf("cannot read database %q (%s): %s; ask the user to check the file and its permissions", c.db.name, c.db.path, msg)
	case sqlite3.ErrTooBig:
		return fmt.Sprintf("a value is too big to return (limit %d MiB per string or blob): %s. Select length(col) or substr(col, 1, N) instead of the whole value.", maxValueBytes>>20, msg)
	case sqlite3.ErrNomem, sqlite3.ErrFull:
		return fmt.Sprintf("the statement needed more memory than the %d MiB SQLite may use (SQLite: %s); nothing was changed. Ask for less: select fewer columns, length(col) or substr(col, 1, N) instead of long values, add a LIMIT, or filter and sort on indexed columns.", tk.cfg.MemoryLimit>>20, msg)
	case sqlite3.ErrConstraint:
		return fmt.Sprintf("constraint failed: %s. Nothing was changed; check the values against the table's constraints (sqlite_schema shows the columns, keys and indexes).", msg)
	case sqlite3.ErrAuth:
		return tk.readOnlyMessage(c, "an action")
	}
	switch {
	case strings.HasPrefix(msg, "no such table"):
		return fmt.Sprintf("SQLite error: %s. Call sqlite_schema to list the tables and views of database %q.", msg, c.db.name)
	case strings.HasPrefix(msg, "no such column"):
		return fmt.Sprintf("SQLite error: %s. Call sqlite_schema with the table argument to see its columns.", msg)
	case strings.HasPrefix(msg, "no such function"):
		return fmt.Sprintf("SQLite error: %s. Only SQLite's built-in functions are available.", msg)
	}
	return fmt.Sprintf("SQLite error: %s", msg)
}

// readOnlyMessage says that a write was refused, and what would allow it.
func (tk *Toolkit) readOnlyMessage(c call, what string) string {
	if c.tool == "sqlite_query" && tk.cfg.Write {
		return fmt.Sprintf("sqlite_query is read-only; use sqlite_execute for writes (refused: %s)", what)
	}
	if c.tool == "sqlite_query" || c.tool == "sqlite_schema" {
		return fmt.Sprintf("this database is read-only; writes need --sqlite-write (refused: %s)", what)
	}
	return fmt.Sprintf("sqlite_execute refused %s", what)
}

// denialMessage explains what the authorizer refused.
func (tk *Toolkit) denialMessage(c call) string {
	g := c.g
	switch g.kind {
	case deniedAttach:
		return fmt.Sprintf("ATTACH and DETACH are not allowed (refused: %s): each call works on one configured database, chosen with the database argument (configured: %s)", g.denied, strings.Join(tk.names, ", "))
	case deniedTransaction:
		return fmt.Sprintf("transaction control is not allowed (refused: %s): sqlite_query only reads, and sqlite_execute commits each statement on its own", g.denied)
	case deniedFunction:
		return fmt.Sprintf("%s is not allowed; use SQLite's built-in SQL functions", g.denied)
	case deniedPragma:
		return fmt.Sprintf("%s is not allowed. Pragmas that take a table or index name are: %s; these are allowed without an argument only: %s%s",
			g.denied, joinKeys(namePragmas), joinKeys(statusPragmas), tk.writePragmaNote(c))
	}
	if c.tool == "sqlite_execute" {
		return fmt.Sprintf("sqlite_execute cannot create or drop TEMP objects, which would outlive the call on a pooled connection (refused: %s)", g.denied)
	}
	return tk.readOnlyMessage(c, g.denied)
}

func (tk *Toolkit) writePragmaNote(c call) string {
	if c.tool != "sqlite_execute" {
		return ""
	}
	return "; sqlite_execute may also set: " + joinKeys(writePragmas)
}

func joinKeys(m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// syntaxMessage explains a parse error with SQLite's message and, when it
// could be found, the line, column and a caret under the offending token.
func syntaxMessage(err error, se sqlite3.Error) (string, bool) {
	msg := se.Error()
	if !strings.Contains(msg, "syntax error") && msg != "incomplete input" && !strings.HasPrefix(msg, "unrecognized token") {
		return "", false
	}
	var qe *sqlError
	if !errors.As(err, &qe) || qe.offset < 0 {
		return fmt.Sprintf("SQL syntax error: %s. Fix the statement and try again.", msg), true
	}
	p := position(qe.sql, qe.offset)
	return fmt.Sprintf("SQL syntax error: %s at line %d, column %d:\n%s\n%s^\nFix the statement and try again.",
		msg, p.line, p.col, p.text, strings.Repeat(" ", p.caret)), true
}

// errPos locates an offset for a human: 1-based line and column (in runes),
// the line's text (cut to a window when long) and the caret's column in it.
type errPos struct {
	line, col int
	text      string
	caret     int
}

// position locates byte offset off in s.
func position(s string, off int) errPos {
	off = min(max(off, 0), len(s))
	start := strings.LastIndexByte(s[:off], '\n') + 1
	end := strings.IndexByte(s[off:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += off
	}
	before, after := []rune(s[start:off]), []rune(s[off:end])
	p := errPos{line: strings.Count(s[:off], "\n") + 1, col: len(before) + 1}
	const window = 60
	if len(before) > window {
		before = append([]rune("…"), before[len(before)-window:]...)
	}
	if len(after) > window {
		after = append(after[:window:window], []rune("…")...)
	}
	// Tabs would shift the caret; show them as single spaces.
	p.text = strings.ReplaceAll(string(before)+string(after), "\t", " ")
	p.caret = len(before)
	return p
}
