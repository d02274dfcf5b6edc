package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Pool sizes. Readers never block each other; the single writer serializes
// sqlite_execute calls instead of having them fight over the file lock.
const (
	readConns  = 8
	writeConns = 1
)

// database is one served file with its connection pools.
type database struct {
	name string
	path string
	ro   *sql.DB // mode=ro, query_only, readPolicy
	rw   *sql.DB // mode=rw, writePolicy; nil unless Config.Write
}

// connector opens go-sqlite3 connections with a connect hook, without
// registering a global driver name.
type connector struct {
	drv *sqlite3.SQLiteDriver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// newPool returns a connection pool for path under policy p.
func newPool(path string, p policy, busy time.Duration) *sql.DB {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	conns := readConns
	if p == readPolicy {
		q.Set("mode", "ro")
		q.Set("_query_only", "1")
	} else {
		q.Set("mode", "rw") // never create a missing file
		q.Set("_foreign_keys", "1")
		conns = writeConns
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		c.SetLimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
		if p == readPolicy {
			c.SetLimit(sqlite3.SQLITE_LIMIT_LENGTH, maxValueBytes)
		}
		// A connection is never without an authorizer; each call installs
		// its own guard of the same policy to learn what was refused.
		c.RegisterAuthorizer(newGuard(p).authorize)
		return nil
	}}
	db := sql.OpenDB(connector{drv: drv, dsn: u.String()})
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db
}

// openDatabase opens the pools for d and checks that the file is a readable
// SQLite database.
func openDatabase(ctx context.Context, d Database, cfg Config) (*database, error) {
	fi, err := os.Stat(d.Path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sqlite: database %q: file %s does not exist", d.Name, d.Path)
		}
		return nil, fmt.Errorf("sqlite: database %q: %w", d.Name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("sqlite: database %q: %s is not a regular file", d.Name, d.Path)
	}
	db := &database{name: d.Name, path: d.Path, ro: newPool(d.Path, readPolicy, cfg.BusyTimeout)}
	if cfg.Write {
		db.rw = newPool(d.Path, writePolicy, cfg.BusyTimeout)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if err := db.probe(ctx); err != nil {
		_ = db.close()
		return nil, fmt.Errorf("sqlite: database %q (%s): %w", d.Name, d.Path, err)
	}
	return db, nil
}

// probe reads the schema through each pool, which fails for a file that is
// not SQLite, and checks that trailing statements can be detected.
func (db *database) probe(ctx context.Context) error {
	pools := []*sql.DB{db.ro}
	if db.rw != nil {
		pools = append(pools, db.rw)
	}
	for _, p := range pools {
		var n int
		if err := p.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
			return err
		}
	}
	return withRawConn(ctx, db.ro, checkTailDetection)
}

func (db *database) close() error {
	var errs []error
	if db.ro != nil {
		errs = append(errs, db.ro.Close())
	}
	if db.rw != nil {
		errs = append(errs, db.rw.Close())
	}
	return errors.Join(errs...)
}

// withRawConn runs f on one go-sqlite3 connection of the pool.
func withRawConn(ctx context.Context, pool *sql.DB, f func(*sqlite3.SQLiteConn) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		return f(sc)
	})
}
