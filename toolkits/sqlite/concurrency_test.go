package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestToolkit_Query_Concurrent(t *testing.T) {
	path := createDB(t, t.TempDir(), "c.db",
		`CREATE TABLE n(x INTEGER)`,
		`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO n SELECT x FROM c`)
	tk := oneDB(t, path)
	const calls = 10
	var wg sync.WaitGroup
	errs := make(chan string, calls)
	for i := range calls {
		wg.Go(func() {
			args := map[string]any{"sql": "SELECT sum(x), ? FROM n WHERE x % 10 = ?", "params": []any{i, i}}
			res, err := invokeRaw(t, tk, "sqlite_query", args)
			switch {
			case err != nil:
				errs <- fmt.Sprintf("call %d: Go error %v", i, err)
			case res.IsError:
				errs <- fmt.Sprintf("call %d: isError %s", i, resultText(res))
			default:
				// sum of x in 1..1000 with x%10 == i
				want := 0
				for x := 1; x <= 1000; x++ {
					if x%10 == i {
						want += x
					}
				}
				if got := rowsJSON(t, res); got != fmt.Sprintf("[[%d,%d]]", want, i) {
					errs <- fmt.Sprintf("call %d: rows %s, want sum %d", i, got, want)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// lockExclusively takes an exclusive lock on path through another connection,
// as another process writing would, and returns the function releasing it.
func lockExclusively(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite3", fileURI(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES ('uncommitted')"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := db.Exec("ROLLBACK"); err != nil {
				t.Error(err)
			}
			_ = db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

func TestToolkit_Query_LockedDatabase(t *testing.T) {
	path := createDB(t, t.TempDir(), "l.db", "CREATE TABLE t(a)", "INSERT INTO t VALUES ('committed')")
	tk := newTestToolkit(t, Config{BusyTimeout: 200 * time.Millisecond, Write: true, Databases: []Database{{Name: "main", Path: path}}})
	mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT a FROM t"}) // warm the pool
	release := lockExclusively(t, path)

	for _, tc := range []struct{ tool, sql string }{
		{"sqlite_query", "SELECT a FROM t"},
		{"sqlite_schema", ""},
		{"sqlite_execute", "INSERT INTO t VALUES ('mine')"},
	} {
		args := map[string]any{}
		if tc.sql != "" {
			args["sql"] = tc.sql
		}
		msg := mustFail(t, tk, tc.tool, args)
		if !strings.Contains(msg, `database "main" is locked`) || !strings.Contains(msg, "200ms") {
			t.Errorf("%s: message %q", tc.tool, msg)
		}
	}

	release()
	qr := queryRows(t, tk, map[string]any{"sql": "SELECT a FROM t"})
	if len(qr.Rows) != 1 || qr.Rows[0][0] != "committed" {
		t.Errorf("after the lock is gone: rows %v", qr.Rows)
	}
}
