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
//
// Reads never leave files beside the database. SQLite creates -wal and -shm
// files when a WAL-mode database is opened, even read-only (mode=ro), and a
// read-only connection can never checkpoint, so it cannot remove them again.
// So a read picks its connection by what is on disk (see readConn):
//   - no -wal and no -journal file: nothing is being written, and the main
//     file holds the whole database. The read runs on a fresh immutable
//     connection (no locks, no side files), and is run again on a locking
//     connection if the file changed while it ran.
//   - a -wal or -journal file exists: a writer is at work. The read runs on a
//     locking mode=ro connection, which reuses the writer's files. That pool
//     keeps no idle connections, so none of ours holds the files open when
//     the writer closes and removes them.
type database struct {
	name string
	path string
	imm  *sql.DB // immutable=1, mode=ro, query_only, readPolicy; never reused
	ro   *sql.DB // mode=ro, query_only, readPolicy; never reused
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

// poolKind is what a pool is for.
type poolKind int

const (
	poolImmutable poolKind = iota
	poolReadOnly
	poolWrite
)

// newPool returns a connection pool for path.
func newPool(path string, kind poolKind, cfg Config) *sql.DB {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10))
	p := readPolicy
	switch kind {
	case poolImmutable:
		q.Set("mode", "ro")
		q.Set("immutable", "1")
		q.Set("_query_only", "1")
	case poolReadOnly:
		q.Set("mode", "ro")
		q.Set("_query_only", "1")
	case poolWrite:
		q.Set("mode", "rw") // never create a missing file
		q.Set("_foreign_keys", "1")
		p = writePolicy
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		c.SetLimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
		if p == readPolicy {
			c.SetLimit(sqlite3.SQLITE_LIMIT_LENGTH, maxValueBytes)
		}
		if err := setMemoryLimits(c, cfg.MemoryLimit); err != nil {
			return err
		}
		// A connection is never without an authorizer; each call installs
		// its own guard of the same policy to learn what was refused.
		c.RegisterAuthorizer(newGuard(p).authorize)
		return nil
	}}
	db := sql.OpenDB(connector{drv: drv, dsn: u.String()})
	if kind == poolWrite {
		db.SetMaxOpenConns(writeConns)
		db.SetMaxIdleConns(writeConns)
		return db
	}
	// An immutable connection caches pages forever, and an idle locking one
	// keeps a writer's -wal and -shm files alive: neither is kept.
	db.SetMaxOpenConns(readConns)
	db.SetMaxIdleConns(0)
	return db
}

// setMemoryLimits bounds what SQLite may allocate: the hard heap limit fails
// an allocation past it with SQLITE_NOMEM (SQLite keeps one limit per
// process; the pragma only ever lowers it), the soft limit makes caches give
// memory back before that, and temporary tables and sort runs stay in that
// bounded memory instead of growing temp files without bound.
func setMemoryLimits(c *sqlite3.SQLiteConn, limit int64) error {
	stmts := []string{
		"PRAGMA hard_heap_limit = " + strconv.FormatInt(limit, 10),
		"PRAGMA soft_heap_limit = " + strconv.FormatInt(limit/2, 10),
		"PRAGMA temp_store = MEMORY",
		"PRAGMA cache_size = -2000",
	}
	for _, s := range stmts {
		if _, err := c.Exec(s, nil); err != nil {
			return fmt.Errorf("set %q: %w", s, err)
		}
	}
	return nil
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
	db := &database{name: d.Name, path: d.Path,
		imm: newPool(d.Path, poolImmutable, cfg), ro: newPool(d.Path, poolReadOnly, cfg)}
	if cfg.Write {
		db.rw = newPool(d.Path, poolWrite, cfg)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if err := db.probe(ctx); err != nil {
		_ = db.close()
		return nil, fmt.Errorf("sqlite: database %q (%s): %w", d.Name, d.Path, err)
	}
	return db, nil
}

// probe reads the schema through a read connection and the write pool, which
// fails for a file that is not SQLite, and checks that trailing statements
// can be detected.
func (db *database) probe(ctx context.Context) error {
	count := func(sc *sqlite3.SQLiteConn) error {
		rows, err := sc.QueryContext(ctx, "SELECT count(*) FROM sqlite_schema", nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]driver.Value, 1)
		return rows.Next(dest)
	}
	if err := db.read(ctx, func(sc *sqlite3.SQLiteConn) error {
		if err := count(sc); err != nil {
			return err
		}
		return checkTailDetection(sc)
	}); err != nil {
		return err
	}
	if db.rw != nil {
		return withRawConn(ctx, db.rw, count)
	}
	return nil
}

func (db *database) close() error {
	var errs []error
	for _, p := range []*sql.DB{db.imm, db.ro, db.rw} {
		if p != nil {
			errs = append(errs, p.Close())
		}
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

// maxReadTries bounds the reads repeated because the file changed under an
// immutable connection.
const maxReadTries = 3

// errChangedWhileReading means every try saw the file change.
var errChangedWhileReading = errors.New("the database file kept changing while it was read")

// read runs f on a read connection chosen by what is on disk (see database).
// f may run more than once, so it must start afresh each time.
func (db *database) read(ctx context.Context, f func(*sqlite3.SQLiteConn) error) error {
	for range maxReadTries {
		if db.writerActive() {
			return withRawConn(ctx, db.ro, f)
		}
		before, err := fileStamp(db.path)
		if err != nil {
			return err
		}
		err = withRawConn(ctx, db.imm, f)
		after, serr := fileStamp(db.path)
		if serr == nil && after == before {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
	}
	return modelErrorf("database %q: %v; try again", db.name, errChangedWhileReading)
}

// writerActive reports a -wal or -journal file beside the database: another
// connection is writing, or a crashed one left work to recover, so the main
// file alone is not the database.
func (db *database) writerActive() bool {
	for _, suffix := range []string{"-wal", "-journal"} {
		if _, err := os.Lstat(db.path + suffix); !errors.Is(err, os.ErrNotExist) {
			return true
		}
	}
	return false
}

// stamp identifies one state of a file's contents.
type stamp struct {
	size  int64
	mtime time.Time
	sys   string
}

// fileStamp stats path (without opening it: closing a descriptor of the file
// would drop this process's SQLite locks on it).
func fileStamp(path string) (stamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	return stamp{size: fi.Size(), mtime: fi.ModTime(), sys: inodeOf(fi)}, nil
}
