package sqlite

import (
	"fmt"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// sqliteRecursive is SQLITE_RECURSIVE (a recursive CTE), which go-sqlite3
// does not export.
const sqliteRecursive = 33

// policy is what a connection's authorizer lets through.
type policy uint8

const (
	// readPolicy allows reading actions and introspection pragmas only.
	readPolicy policy = iota
	// writePolicy allows changes to the main database too, but still no
	// ATTACH, transactions, extension loading or dangerous pragmas.
	writePolicy
)

// denialKind classifies a refused action for the message shown to the model.
type denialKind uint8

const (
	deniedNone denialKind = iota
	deniedWrite
	deniedAttach
	deniedTransaction
	deniedFunction
	deniedPragma
)

// Pragmas whose argument is a table or index name, or a count: they only
// report, whatever the argument.
var namePragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true,
	"index_info": true, "index_xinfo": true, "index_list": true,
	"foreign_key_list": true, "foreign_key_check": true,
	"integrity_check": true, "quick_check": true,
}

// Pragmas allowed without an argument only: with one they change a setting.
var statusPragmas = map[string]bool{
	"application_id": true, "auto_vacuum": true, "cache_size": true,
	"collation_list": true, "compile_options": true, "data_version": true,
	"database_list": true, "encoding": true, "foreign_keys": true,
	"freelist_count": true, "function_list": true, "max_page_count": true,
	"module_list": true, "page_count": true, "page_size": true,
	"pragma_list": true, "query_only": true, "schema_version": true,
	"user_version": true,
}

// Pragmas sqlite_execute may also run with an argument.
var writePragmas = map[string]bool{
	"user_version": true, "application_id": true, "optimize": true,
	"incremental_vacuum": true, "wal_checkpoint": true,
}

// Functions refused everywhere: loading code, or registering tokenizers by
// pointer. (readfile, writefile and edit exist only in the sqlite3 shell, but
// are listed in case an extension ever brings them.)
var deniedFunctions = map[string]bool{
	"load_extension": true, "fts3_tokenizer": true,
	"readfile": true, "writefile": true, "edit": true,
}

// guard is one call's authorizer. SQLite invokes it on the goroutine that
// prepares or steps the statement, so its fields need no locking.
type guard struct {
	policy policy
	kind   denialKind
	denied string // the first refused action, in words
	// changes is set when the statement inserts, updates or deletes rows of a
	// user table: only then are sqlite3_changes and last_insert_rowid about
	// this statement rather than an earlier one on the same connection.
	changes  bool
	inserted bool
	// schema is set when the statement creates, drops or alters objects:
	// DROP TABLE also asks for DELETE on the dropped table, which must not
	// count as rows affected.
	schema bool
}

func newGuard(p policy) *guard { return &guard{policy: p} }

// authorize is the sqlite3 authorizer callback: (action, arg1, arg2, arg3)
// where arg3 is the database name ("main", "temp") when it applies.
func (g *guard) authorize(op int, arg1, arg2, arg3 string) int {
	kind, what := g.check(op, arg1, arg2, arg3)
	if kind == deniedNone {
		return sqlite3.SQLITE_OK
	}
	if g.kind == deniedNone {
		g.kind, g.denied = kind, what
	}
	return sqlite3.SQLITE_DENY
}

// check decides one action; it returns deniedNone to allow it.
func (g *guard) check(op int, arg1, arg2, arg3 string) (denialKind, string) {
	switch op {
	case sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqliteRecursive:
		return deniedNone, ""
	case sqlite3.SQLITE_FUNCTION:
		if deniedFunctions[strings.ToLower(arg2)] {
			return deniedFunction, fmt.Sprintf("function %s()", arg2)
		}
		return deniedNone, ""
	case sqlite3.SQLITE_PRAGMA:
		return g.checkPragma(strings.ToLower(arg1), arg2)
	case sqlite3.SQLITE_ATTACH:
		return deniedAttach, fmt.Sprintf("ATTACH %q", arg1)
	case sqlite3.SQLITE_DETACH:
		return deniedAttach, fmt.Sprintf("DETACH %s", arg1)
	case sqlite3.SQLITE_TRANSACTION:
		return deniedTransaction, arg1
	case sqlite3.SQLITE_SAVEPOINT:
		return deniedTransaction, "SAVEPOINT " + arg2
	}
	what := describeAction(op, arg1, arg2, arg3)
	if _, known := actionNames[op]; !known || g.policy == readPolicy {
		return deniedWrite, what
	}
	// The write connection may change the main database; "temp" objects
	// would outlive the call on a pooled connection, so they are refused.
	if arg3 == "temp" || isTempAction(op) {
		return deniedWrite, what
	}
	g.noteChange(op, arg1)
	return deniedNone, ""
}

// checkPragma allows introspection pragmas, and on the write connection a few
// maintenance ones.
func (g *guard) checkPragma(name, arg string) (denialKind, string) {
	switch {
	case namePragmas[name]:
		return deniedNone, ""
	case statusPragmas[name] && arg == "":
		return deniedNone, ""
	case g.policy == writePolicy && writePragmas[name]:
		return deniedNone, ""
	case arg != "":
		return deniedPragma, fmt.Sprintf("PRAGMA %s = %s", name, arg)
	}
	return deniedPragma, "PRAGMA " + name
}

// noteChange records what kind of change a statement makes, for
// rows_affected.
func (g *guard) noteChange(op int, table string) {
	switch op {
	case sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE:
		switch {
		case isSchemaTable(table):
			g.schema = true
		case isInternalTable(table): // sqlite_sequence, sqlite_stat1: bookkeeping
		default:
			g.changes = true
			g.inserted = g.inserted || op == sqlite3.SQLITE_INSERT
		}
	default:
		g.schema = true
	}
}

// rowChanges reports whether the statement changes rows of user tables
// rather than the schema.
func (g *guard) rowChanges() bool { return g.changes && !g.schema }

// isSchemaTable reports the schema table, which SQLite changes for CREATE,
// DROP and ALTER.
func isSchemaTable(name string) bool {
	switch strings.ToLower(name) {
	case "sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema":
		return true
	}
	return false
}

// isInternalTable reports SQLite's own tables (sqlite_schema, sqlite_sequence,
// sqlite_stat1, ...): user tables cannot have the sqlite_ prefix.
func isInternalTable(name string) bool {
	return len(name) >= 7 && strings.EqualFold(name[:7], "sqlite_")
}

func isTempAction(op int) bool {
	switch op {
	case sqlite3.SQLITE_CREATE_TEMP_INDEX, sqlite3.SQLITE_CREATE_TEMP_TABLE,
		sqlite3.SQLITE_CREATE_TEMP_TRIGGER, sqlite3.SQLITE_CREATE_TEMP_VIEW,
		sqlite3.SQLITE_DROP_TEMP_INDEX, sqlite3.SQLITE_DROP_TEMP_TABLE,
		sqlite3.SQLITE_DROP_TEMP_TRIGGER, sqlite3.SQLITE_DROP_TEMP_VIEW:
		return true
	}
	return false
}

// actionNames maps the authorizer's action codes to SQL words.
var actionNames = map[int]string{
	sqlite3.SQLITE_CREATE_INDEX: "CREATE INDEX", sqlite3.SQLITE_CREATE_TABLE: "CREATE TABLE",
	sqlite3.SQLITE_CREATE_TEMP_INDEX: "CREATE TEMP INDEX", sqlite3.SQLITE_CREATE_TEMP_TABLE: "CREATE TEMP TABLE",
	sqlite3.SQLITE_CREATE_TEMP_TRIGGER: "CREATE TEMP TRIGGER", sqlite3.SQLITE_CREATE_TEMP_VIEW: "CREATE TEMP VIEW",
	sqlite3.SQLITE_CREATE_TRIGGER: "CREATE TRIGGER", sqlite3.SQLITE_CREATE_VIEW: "CREATE VIEW",
	sqlite3.SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE", sqlite3.SQLITE_DELETE: "DELETE",
	sqlite3.SQLITE_DROP_INDEX: "DROP INDEX", sqlite3.SQLITE_DROP_TABLE: "DROP TABLE",
	sqlite3.SQLITE_DROP_TEMP_INDEX: "DROP TEMP INDEX", sqlite3.SQLITE_DROP_TEMP_TABLE: "DROP TEMP TABLE",
	sqlite3.SQLITE_DROP_TEMP_TRIGGER: "DROP TEMP TRIGGER", sqlite3.SQLITE_DROP_TEMP_VIEW: "DROP TEMP VIEW",
	sqlite3.SQLITE_DROP_TRIGGER: "DROP TRIGGER", sqlite3.SQLITE_DROP_VIEW: "DROP VIEW",
	sqlite3.SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE", sqlite3.SQLITE_INSERT: "INSERT",
	sqlite3.SQLITE_UPDATE: "UPDATE", sqlite3.SQLITE_ALTER_TABLE: "ALTER TABLE",
	sqlite3.SQLITE_REINDEX: "REINDEX", sqlite3.SQLITE_ANALYZE: "ANALYZE",
}

// describeAction names a refused action for the error message.
func describeAction(op int, arg1, arg2, _ string) string {
	name, ok := actionNames[op]
	if !ok {
		return fmt.Sprintf("action %d", op)
	}
	switch op {
	case sqlite3.SQLITE_INSERT, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_UPDATE:
		// SQLite checks its own bookkeeping first when a statement creates,
		// drops or alters objects (or ANALYZE creates sqlite_stat1).
		if isSchemaTable(arg1) {
			return "a change to the database schema (CREATE, DROP, ALTER or ANALYZE)"
		}
	}
	switch op {
	case sqlite3.SQLITE_INSERT, sqlite3.SQLITE_DELETE:
		return fmt.Sprintf("%s on table %q", name, arg1)
	case sqlite3.SQLITE_UPDATE:
		return fmt.Sprintf("UPDATE of %s.%s", arg1, arg2)
	case sqlite3.SQLITE_ALTER_TABLE:
		return fmt.Sprintf("ALTER TABLE %s", arg2)
	}
	if arg1 == "" {
		return name
	}
	return name + " " + arg1
}
