package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations, named NNNN_name.sql and
// numbered 1, 2, 3, … without gaps.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", base)
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// checkVersion refuses a database from a newer glm-mcp.
func checkVersion(have int) error {
	if want := SchemaVersion(); have > want {
		return fmt.Errorf("%w: its schema version is %d, and this glm-mcp knows versions up to %d; "+
			"upgrade glm-mcp or use another database (the file was not changed)", ErrTooNew, have, want)
	}
	return nil
}

// migrate switches the file, checked by inspectFile to be ours at version
// have, to WAL and applies the pending migrations.
func (s *Store) migrate(ctx context.Context, have int) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	var mode string
	err = retryTransient(ctx, 0, func() error {
		return s.w.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
	})
	if err != nil {
		return fmt.Errorf("set WAL mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("set WAL mode: the file system kept journal mode %q", mode)
	}
	for _, m := range ms[have:] {
		if err := s.write(ctx, func(tx *sql.Tx) error { return apply(ctx, tx, m) }); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// inspect returns the schema version recorded in the database (0 for an
// empty file), refusing files that are not SQLite or belong to another program.
func inspect(ctx context.Context, db *sql.DB) (int, error) {
	var tables, versioned int
	err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_version')
		FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&tables, &versioned)
	if err != nil {
		if sqliteCode(err) == sqlite3.ErrNotADB {
			return 0, fmt.Errorf("%w: the file is not a SQLite database (the file was not changed)", ErrNotStore)
		}
		return 0, err
	}
	if versioned == 0 {
		if tables > 0 {
			return 0, fmt.Errorf("%w: it is a SQLite database with other tables and no glm-mcp schema (the file was not changed)", ErrNotStore)
		}
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v); err != nil {
		return 0, err
	}
	return v, nil
}

// apply runs one migration inside the caller's transaction unless another
// process applied it first.
func apply(ctx context.Context, tx *sql.Tx, m migration) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_ms INTEGER NOT NULL
	)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
		return err
	}
	if have >= m.version {
		return nil
	}
	if have != m.version-1 {
		return errors.New("schema version changed underneath: reopen the database")
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)", m.version, nowMS())
	return err
}
