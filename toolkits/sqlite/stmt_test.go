package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"strings"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"
)

func TestSkipBlank(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{name: "empty", in: "", want: 0},
		{name: "statement", in: "SELECT 1", want: 0},
		{name: "spaces and semicolons", in: " \t\n\r\f;; SELECT", want: 8},
		{name: "line comment", in: "-- c\nSELECT", want: 5},
		{name: "line comment to the end", in: "-- c", want: 4},
		{name: "block comment", in: "/* a */x", want: 7},
		{name: "unclosed block comment", in: "/* a", want: 4},
		{name: "bare comment opener is a slash", in: "; /*", want: 2},
		{name: "vertical tab is not blank to SQLite", in: "\vSELECT", want: 0},
		{name: "single dash", in: "- 1", want: 0},
		{name: "slash", in: "/ 1", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := skipBlank(tt.in); got != tt.want {
				t.Errorf("skipBlank(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

// withTestConn runs f on a plain go-sqlite3 connection to a scratch file.
func withTestConn(tb testing.TB, dir string, f func(*sqlite3.SQLiteConn)) {
	tb.Helper()
	db, err := sql.Open("sqlite3", fileURI(filepath.Join(dir, "scratch.db"), ""))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := withRawConn(tb.Context(), db, func(sc *sqlite3.SQLiteConn) error { f(sc); return nil }); err != nil {
		tb.Fatal(err)
	}
}

// FuzzSkipBlank checks skipBlank against SQLite itself: whatever prefix it
// calls blank, SQLite must find no statement in.
func FuzzSkipBlank(f *testing.F) {
	for _, s := range []string{"", " ;-- x\n/* y */ SELECT 1", "/*", "--", ";;;", "/* */ -- \n\t", "-/", "/-", "\v", "/*/ */x"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			return
		}
		n := skipBlank(s)
		withTestConn(t, dir, func(sc *sqlite3.SQLiteConn) {
			st, err := sc.Prepare(s[:n])
			if err != nil {
				t.Fatalf("SQLite rejects the blank prefix %q: %v", s[:n], err)
			}
			defer st.Close()
			tail, empty, err := stmtTail(st)
			if err != nil || !empty || tail != "" {
				t.Fatalf("SQLite finds a statement in the blank prefix %q (tail %q, empty %v, err %v)", s[:n], tail, empty, err)
			}
		})
	})
}

func TestPrepareOne(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		wantErr string
	}{
		{name: "one statement", sql: "SELECT 1"},
		{name: "trailing semicolon and comments", sql: "SELECT 1; -- done\n/* really */ ;"},
		{name: "leading blanks", sql: "; -- x\n SELECT 1"},
		{name: "trigger body has semicolons", sql: "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END"},
		{name: "semicolon inside a string", sql: "SELECT ';DELETE FROM t'"},
		{name: "second statement", sql: "SELECT 1;SELECT 2", wantErr: "more than one statement"},
		{name: "second statement after a comment", sql: "SELECT 1; /* c */ DROP TABLE t", wantErr: "The second statement begins: DROP TABLE t"},
		{name: "second statement that does not parse", sql: "SELECT 1; garbage", wantErr: "more than one statement"},
		{name: "blank", sql: " ;; ", wantErr: "holds no statement"},
		{name: "NUL", sql: "SELECT 1\x00", wantErr: "NUL byte"},
	}
	withTestConn(t, t.TempDir(), func(sc *sqlite3.SQLiteConn) {
		if _, err := sc.Exec("CREATE TABLE IF NOT EXISTS t(a)", nil); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st, err := prepareOne(sc, tt.sql)
				if st != nil {
					defer st.Close()
				}
				if tt.wantErr == "" {
					if err != nil {
						t.Fatalf("prepareOne(%q): %v", tt.sql, err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("prepareOne(%q) error = %v, want %q", tt.sql, err, tt.wantErr)
				}
			})
		}
	})
}

func TestCheckTailDetection(t *testing.T) {
	withTestConn(t, t.TempDir(), func(sc *sqlite3.SQLiteConn) {
		if err := checkTailDetection(sc); err != nil {
			t.Fatal(err)
		}
	})
	if _, _, err := stmtTail(&fakeStmt{}); err != errNoTail {
		t.Errorf("stmtTail of another type: %v, want errNoTail", err)
	}
}

// fakeStmt is a driver.Stmt without go-sqlite3's fields.
type fakeStmt struct{}

func (*fakeStmt) Close() error                               { return nil }
func (*fakeStmt) NumInput() int                              { return 0 }
func (*fakeStmt) Exec([]driver.Value) (driver.Result, error) { return nil, nil }
func (*fakeStmt) Query([]driver.Value) (driver.Rows, error)  { return nil, nil }

func TestPosition(t *testing.T) {
	tests := []struct {
		name      string
		s         string
		off       int
		line, col int
		text      string
		caret     int
	}{
		{name: "first line", s: "SELEC 1", off: 0, line: 1, col: 1, text: "SELEC 1", caret: 0},
		{name: "third line", s: "a\nbb\nccc = = 1", off: 10, line: 3, col: 6, text: "ccc = = 1", caret: 5},
		{name: "end", s: "SELECT", off: 6, line: 1, col: 7, text: "SELECT", caret: 6},
		{name: "runes", s: "SELECT 'é' =", off: 13, line: 1, col: 13, text: "SELECT 'é' =", caret: 12},
		{name: "tab shown as a space", s: "\tx", off: 1, line: 1, col: 2, text: " x", caret: 1},
		{name: "long line is cut", s: strings.Repeat("a", 100) + "X" + strings.Repeat("b", 100), off: 100, line: 1, col: 101,
			text: "…" + strings.Repeat("a", 60) + "X" + strings.Repeat("b", 59) + "…", caret: 61},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := position(tt.s, tt.off)
			if p.line != tt.line || p.col != tt.col || p.text != tt.text || p.caret != tt.caret {
				t.Errorf("position = %+v, want line %d col %d text %q caret %d", p, tt.line, tt.col, tt.text, tt.caret)
			}
		})
	}
}
