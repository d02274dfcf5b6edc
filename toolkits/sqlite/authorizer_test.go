package sqlite

import (
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"
)

func TestGuard_Authorize(t *testing.T) {
	tests := []struct {
		name       string
		op         int
		a1, a2, a3 string
		read       bool // allowed by readPolicy
		write      bool // allowed by writePolicy
	}{
		{name: "select", op: sqlite3.SQLITE_SELECT, read: true, write: true},
		{name: "read column", op: sqlite3.SQLITE_READ, a1: "t", a2: "a", a3: "main", read: true, write: true},
		{name: "recursive CTE", op: sqliteRecursive, read: true, write: true},
		{name: "function", op: sqlite3.SQLITE_FUNCTION, a2: "lower", read: true, write: true},
		{name: "load_extension", op: sqlite3.SQLITE_FUNCTION, a2: "load_extension"},
		{name: "load_extension in capitals", op: sqlite3.SQLITE_FUNCTION, a2: "LOAD_EXTENSION"},
		{name: "fts3_tokenizer", op: sqlite3.SQLITE_FUNCTION, a2: "fts3_tokenizer"},
		{name: "table_info with a name", op: sqlite3.SQLITE_PRAGMA, a1: "table_info", a2: "t", read: true, write: true},
		{name: "user_version read", op: sqlite3.SQLITE_PRAGMA, a1: "user_version", read: true, write: true},
		{name: "user_version set", op: sqlite3.SQLITE_PRAGMA, a1: "user_version", a2: "5", write: true},
		{name: "query_only read", op: sqlite3.SQLITE_PRAGMA, a1: "query_only", read: true, write: true},
		{name: "query_only set", op: sqlite3.SQLITE_PRAGMA, a1: "query_only", a2: "0"},
		{name: "journal_mode read", op: sqlite3.SQLITE_PRAGMA, a1: "journal_mode"},
		{name: "journal_mode set", op: sqlite3.SQLITE_PRAGMA, a1: "journal_mode", a2: "wal"},
		{name: "writable_schema", op: sqlite3.SQLITE_PRAGMA, a1: "writable_schema", a2: "1"},
		{name: "optimize", op: sqlite3.SQLITE_PRAGMA, a1: "optimize", write: true},
		{name: "unknown pragma", op: sqlite3.SQLITE_PRAGMA, a1: "temp_store_directory", a2: "/tmp"},
		{name: "insert", op: sqlite3.SQLITE_INSERT, a1: "t", a3: "main", write: true},
		{name: "update", op: sqlite3.SQLITE_UPDATE, a1: "t", a2: "a", a3: "main", write: true},
		{name: "delete", op: sqlite3.SQLITE_DELETE, a1: "t", a3: "main", write: true},
		{name: "create table", op: sqlite3.SQLITE_CREATE_TABLE, a1: "u", a3: "main", write: true},
		{name: "create temp table", op: sqlite3.SQLITE_CREATE_TEMP_TABLE, a1: "u", a3: "temp"},
		{name: "insert into temp schema", op: sqlite3.SQLITE_INSERT, a1: "sqlite_temp_master", a3: "temp"},
		{name: "attach", op: sqlite3.SQLITE_ATTACH, a1: "/tmp/x.db"},
		{name: "detach", op: sqlite3.SQLITE_DETACH, a1: "x"},
		{name: "begin", op: sqlite3.SQLITE_TRANSACTION, a1: "BEGIN"},
		{name: "savepoint", op: sqlite3.SQLITE_SAVEPOINT, a1: "BEGIN", a2: "s"},
		{name: "analyze", op: sqlite3.SQLITE_ANALYZE, a1: "t", a3: "main", write: true},
		{name: "unknown action", op: 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range []struct {
				policy policy
				want   bool
			}{{readPolicy, tt.read}, {writePolicy, tt.write}} {
				g := newGuard(p.policy)
				got := g.authorize(tt.op, tt.a1, tt.a2, tt.a3) == sqlite3.SQLITE_OK
				if got != p.want {
					t.Errorf("policy %d: allowed = %v, want %v", p.policy, got, p.want)
				}
				if got == (g.kind != deniedNone) || !got && g.denied == "" {
					t.Errorf("policy %d: denial not recorded consistently: kind %d %q", p.policy, g.kind, g.denied)
				}
			}
		})
	}
}

func TestGuard_RowChanges(t *testing.T) {
	tests := []struct {
		name         string
		ops          [][2]any // op, table
		wantChanges  bool
		wantInserted bool
	}{
		{name: "insert", ops: [][2]any{{sqlite3.SQLITE_INSERT, "t"}}, wantChanges: true, wantInserted: true},
		{name: "update", ops: [][2]any{{sqlite3.SQLITE_UPDATE, "t"}}, wantChanges: true},
		{name: "create table", ops: [][2]any{{sqlite3.SQLITE_INSERT, "sqlite_master"}, {sqlite3.SQLITE_CREATE_TABLE, "u"}}},
		{name: "drop table", ops: [][2]any{{sqlite3.SQLITE_DELETE, "t"}, {sqlite3.SQLITE_DROP_TABLE, "t"}, {sqlite3.SQLITE_DELETE, "sqlite_master"}}},
		{name: "autoincrement insert", ops: [][2]any{{sqlite3.SQLITE_INSERT, "t"}, {sqlite3.SQLITE_UPDATE, "sqlite_sequence"}}, wantChanges: true, wantInserted: true},
		{name: "analyze", ops: [][2]any{{sqlite3.SQLITE_ANALYZE, "t"}, {sqlite3.SQLITE_INSERT, "sqlite_stat1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(writePolicy)
			for _, op := range tt.ops {
				g.authorize(op[0].(int), op[1].(string), "", "main")
			}
			if g.rowChanges() != tt.wantChanges || g.inserted != tt.wantInserted {
				t.Errorf("rowChanges %v inserted %v, want %v %v", g.rowChanges(), g.inserted, tt.wantChanges, tt.wantInserted)
			}
		})
	}
}
