// Package store keeps glm-mcp's transcripts in one SQLite file: every
// conversation with its messages, tool executions and completion requests,
// written one event at a time as it happens so that a crash loses at most what
// was in flight, and read back for listing, showing, exporting and replaying.
//
// Several processes may write to one file at once: writes run in BEGIN
// IMMEDIATE transactions under a busy timeout and are retried when SQLite
// still answers busy. A transcript whose writing process died shows as
// interrupted: each writing process holds a lock file beside the database for
// as long as it lives, and readers test that lock.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Errors returned by the store, to be checked with errors.Is.
var (
	// ErrNotFound means no transcript has the given id.
	ErrNotFound = errors.New("transcript not found")
	// ErrAmbiguous means an id prefix names more than one transcript.
	ErrAmbiguous = errors.New("ambiguous transcript id")
	// ErrNotStore means the file is not a SQLite database, or is one that
	// glm-mcp did not create.
	ErrNotStore = errors.New("not a glm-mcp transcript database")
	// ErrReadOnly means the database file or its folder cannot be written.
	ErrReadOnly = errors.New("transcript database is read-only")
	// ErrTooNew means the database was written by a newer glm-mcp.
	ErrTooNew = errors.New("transcript database is from a newer glm-mcp")
)

// busyTimeout is how long SQLite itself waits for another writer's lock.
const busyTimeout = 5 * time.Second

// Store is an open transcript database. It is safe for concurrent use.
type Store struct {
	path string
	// w is the write pool: one connection whose transactions begin
	// IMMEDIATE, so writers queue in Go instead of spinning on SQLite's lock.
	w *sql.DB
	// r is the read pool, opened read-only: deferred transactions that see
	// a consistent snapshot without blocking writers (WAL), and that cannot
	// change the file, which is what lets Open inspect a file it may refuse.
	r *sql.DB

	// readOnly: opened by OpenReadOnly; w is nil.
	readOnly bool

	mu     sync.Mutex
	writer *writerLock // claimed on the first CreateTranscript

	heapWait atomic.Int64 // see SetHeapWait, in nanoseconds
}

// SetHeapWait lets a write that SQLite answers "out of memory" try again for
// up to d. SQLite keeps one heap limit per process: when the sqlite toolkit
// runs in the same process (ask, chat), one of its statements may hold the
// heap until it ends, and the transcript should wait for it rather than lose
// the write. Give the toolkit's statement timeout plus a margin; 0 (the
// default) fails such a write at once, as nothing else can hold the heap.
// A write too big for the limit itself still fails, after d.
func (s *Store) SetHeapWait(d time.Duration) { s.heapWait.Store(int64(d)) }

// DefaultPath is where the transcript database lives when no path is given:
// $XDG_DATA_HOME/glm-mcp/transcripts.db, else ~/.local/share/glm-mcp/transcripts.db.
// It takes the values of XDG_DATA_HOME and HOME so that it reads no
// environment itself, and returns "" when neither is usable. A relative
// XDG_DATA_HOME is ignored, as the XDG specification asks.
func DefaultPath(dataHome, home string) string {
	switch {
	case filepath.IsAbs(dataHome):
		return filepath.Join(dataHome, "glm-mcp", "transcripts.db")
	case home != "":
		return filepath.Join(home, ".local", "share", "glm-mcp", "transcripts.db")
	}
	return ""
}

// Open opens the transcript database at path, creating it and its folder on
// first use, and migrates it to the current schema. A file that is not a
// SQLite database, is read-only, belongs to another program or was written by
// a newer glm-mcp is refused with an error (ErrNotStore, ErrReadOnly,
// ErrTooNew) and left untouched.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open transcript db: no path")
	}
	if err := prepareFile(path); err != nil {
		return nil, fmt.Errorf("open transcript db: %w", err)
	}
	have, err := inspectFile(ctx, path)
	if err == nil {
		err = checkVersion(have)
	}
	if err != nil {
		return nil, fmt.Errorf("open transcript db %s: %w", path, err)
	}
	s := &Store{path: path}
	if s.w, err = openPool(path, "rw", "immediate", false); err != nil {
		return nil, fmt.Errorf("open transcript db: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	if s.r, err = openPool(path, "ro", "deferred", false); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open transcript db: %w", err)
	}
	if err := s.migrate(ctx, have); err != nil {
		s.Close()
		return nil, fmt.Errorf("open transcript db %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing transcript database for reading only: for a
// file or folder this process may not write (Open refuses those with
// ErrReadOnly). Listing, showing, searching and exporting work; writes fail
// with ErrReadOnly. It creates nothing beside the file: when no writer has
// the database open (there is no -wal file), the file is read as immutable,
// which needs no -shm file either. A database whose schema is older than
// this package's cannot be migrated without writing, and is refused with
// ErrReadOnly; a newer one with ErrTooNew.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("open transcript db read-only: %w", err)
	case info.IsDir():
		return nil, fmt.Errorf("open transcript db read-only: %w: %s is a directory", ErrNotStore, path)
	}
	have, err := inspectFile(ctx, path)
	if err == nil {
		err = checkVersion(have)
	}
	if err == nil && have < SchemaVersion() {
		err = fmt.Errorf("%w: its schema version is %d and this glm-mcp reads version %d; "+
			"it is upgraded the first time it is opened with write access", ErrReadOnly, have, SchemaVersion())
	}
	if err != nil {
		return nil, fmt.Errorf("open transcript db %s read-only: %w", path, err)
	}
	s := &Store{path: path, readOnly: true}
	if s.r, err = openPool(path, "ro", "deferred", !fileExists(path+"-wal")); err != nil {
		return nil, fmt.Errorf("open transcript db read-only: %w", err)
	}
	return s, nil
}

// ReadOnly reports whether the Store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// inspectFile reads the file's schema version (0 for an empty file) and
// refuses files that are not glm-mcp's, without writing the file or
// creating anything beside it: with no -wal file there is no writer whose
// pages are not in the file yet, so it is read as immutable (no locks, no
// -shm); with one, a plain read-only connection finds the -wal and -shm
// files the writer made.
func inspectFile(ctx context.Context, path string) (int, error) {
	db, err := openPool(path, "ro", "deferred", !fileExists(path+"-wal"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return inspect(ctx, db)
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// prepareFile creates the folder and an empty private file on first use, and
// refuses a file that cannot be written, before SQLite opens it: SQLite
// would quietly fall back to read-only and fail only at the first write.
func prepareFile(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("create folder: %w", err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return nil // another process created it first
		}
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				return fmt.Errorf("%w: cannot create %s: %v", ErrReadOnly, path, err)
			}
			return err
		}
		return f.Close()
	case err != nil:
		return err
	case info.IsDir():
		return fmt.Errorf("%w: %s is a directory", ErrNotStore, path)
	case info.Mode().Perm()&0o222 == 0:
		// Honoured even for root, who could write it anyway.
		return fmt.Errorf("%w: %s has no write permission", ErrReadOnly, path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("%w: %s: %v", ErrReadOnly, path, err)
		}
		return err
	}
	return f.Close()
}

// openPool opens a connection pool whose every connection enforces foreign
// keys, waits for locks and syncs at NORMAL (durable at checkpoints, which
// in WAL mode loses no committed transaction when a process dies). An
// immutable pool reads a file nobody writes, without locks or -shm file.
// The journal mode is set later, once the file is known to be ours.
func openPool(path, mode, txlock string, immutable bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("mode", mode)
	if immutable {
		q.Set("immutable", "1")
	}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", txlock)
	q.Set("_stmt_cache_size", "32")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	return sql.Open("sqlite3", dsn)
}

// Close releases the database and this process's writer lock. Transcripts
// this Store left running show as interrupted from then on.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	s.mu.Lock()
	if s.writer != nil {
		errs = append(errs, s.writer.release())
		s.writer = nil
	}
	s.mu.Unlock()
	return errors.Join(errs...)
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// maxBusyRetries bounds the retries of a write that SQLite answered busy
// without waiting (lock upgrades, WAL recovery); each retry also waits.
const maxBusyRetries = 20

// write runs fn in an IMMEDIATE transaction and commits it, retrying the
// whole transaction while SQLite reports the database busy or locked.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("%w: %s was opened read-only", ErrReadOnly, s.path)
	}
	return retryTransient(ctx, time.Duration(s.heapWait.Load()), func() error { return s.writeOnce(ctx, fn) })
}

// retryTransient runs op again, after a growing random pause, while SQLite answers
// busy or locked without having waited (lock upgrades, WAL recovery, a
// journal-mode change racing another process's first open), and for up to
// heapWait while it answers out of memory (see SetHeapWait).
func retryTransient(ctx context.Context, heapWait time.Duration, op func() error) error {
	var busy int
	var nomemSince time.Time
	for attempt := 0; ; attempt++ {
		err := op()
		switch {
		case err == nil:
			return nil
		case isBusy(err):
			if busy++; busy > maxBusyRetries {
				return err
			}
		case sqliteCode(err) == sqlite3.ErrNomem:
			if nomemSince.IsZero() {
				nomemSince = time.Now()
			}
			if time.Since(nomemSince) >= heapWait {
				return err
			}
		default:
			return err
		}
		backoff := time.Duration(1+rand.IntN(4<<min(attempt, 5))) * time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isBusy reports whether err is SQLite's "database is locked" or "busy".
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// sqliteCode is err's SQLite result code, or 0.
func sqliteCode(err error) sqlite3.ErrNo {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// nowMS is the current time in Unix milliseconds, the unit of every stored time.
func nowMS() int64 { return time.Now().UnixMilli() }

// fromMS converts stored Unix milliseconds to a UTC time.
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// toMS converts a time to Unix milliseconds, the zero time to now.
func toMS(t time.Time) int64 {
	if t.IsZero() {
		return nowMS()
	}
	return t.UnixMilli()
}
