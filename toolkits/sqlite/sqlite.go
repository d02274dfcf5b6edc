// Package sqlite is the sqlite toolkit of glm-mcp: it lets a model inspect and
// query local SQLite databases (sqlite_schema, sqlite_query) and, only when the
// user allows it, change them (sqlite_execute).
//
// Read-only access is enforced by the database engine, never by looking at SQL
// text. Every read connection is opened with mode=ro and query_only, cannot
// attach other files, and carries an authorizer that allows only reading
// actions and a short list of introspection pragmas; a statement the engine
// reports as writing is refused before it runs. Each call runs exactly one
// statement, under a deadline that interrupts the engine.
package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// Defaults for Config fields left zero.
const (
	DefaultTimeout     = 5 * time.Second
	DefaultBusyTimeout = 2 * time.Second
	// DefaultMaxResultBytes bounds one sqlite_query result.
	DefaultMaxResultBytes = 8 << 20
	// DefaultMaxSchemaBytes bounds the text of one sqlite_schema result.
	DefaultMaxSchemaBytes = 256 << 10
	// DefaultMemoryLimit is SQLite's hard heap limit.
	DefaultMemoryLimit = 96 << 20
)

// Limits of sqlite_query.
const (
	defaultMaxRows = 200
	maxMaxRows     = 5000
	// maxValueBytes is SQLITE_LIMIT_LENGTH on read connections: the largest
	// string or blob a query may produce or read.
	maxValueBytes = 16 << 20
	// minMemoryLimit keeps MemoryLimit above what opening a database needs.
	minMemoryLimit = 8 << 20
)

// Database names one SQLite file served by the toolkit.
type Database struct {
	// Name is what the model passes as the database argument.
	Name string
	// Path is the database file; it must exist.
	Path string
}

// Config configures the toolkit. Library code fills it from values; only main
// reads flags.
type Config struct {
	// Databases to serve; at least one.
	Databases []Database
	// Write lists sqlite_execute, which changes databases through a separate
	// read-write connection. sqlite_query stays read-only either way.
	Write bool
	// Timeout bounds every call; a query still running at the deadline is
	// interrupted inside the engine. Default 5 s.
	Timeout time.Duration
	// BusyTimeout is how long a call waits for a lock held by another
	// connection before it reports the database as locked. Default 2 s,
	// never more than Timeout.
	BusyTimeout time.Duration
	// MaxResultBytes bounds one sqlite_query result: every value's bytes
	// are counted as it is read, the first row's too, and reading stops at
	// the value that passes it, with a note saying how to ask for less.
	// Default 8 MiB.
	MaxResultBytes int
	// MaxSchemaBytes bounds the text of one sqlite_schema result; tables past
	// it are listed by name only, to be described one at a time. Default
	// 256 KiB.
	MaxSchemaBytes int
	// MemoryLimit is SQLite's hard heap limit in bytes: a statement that
	// needs more (a huge sort, a row of many big values) fails with a message
	// instead of growing the process. SQLite keeps one such limit per
	// process, so it also bounds every other SQLite database the process
	// uses; the lowest value set wins. Temporary tables and sorts are kept in
	// this memory, never in temp files. Default 96 MiB.
	MemoryLimit int64
	// Logger receives debug lines per call; the zero value logs nothing.
	Logger zerolog.Logger
}

// Toolkit serves the sqlite tools. It is safe for concurrent use.
type Toolkit struct {
	cfg   Config
	dbs   map[string]*database
	names []string // sorted
	tools []toolkits.Tool
	log   zerolog.Logger
}

var (
	_ toolkits.Toolkit          = (*Toolkit)(nil)
	_ toolkits.ResourceProvider = (*Toolkit)(nil)
)

// New opens every configured database and checks that it is a readable SQLite
// file, so that a wrong path fails at start with a message naming it. A
// database that later goes missing, gets locked or corrupted gives isError
// results per call instead.
func New(ctx context.Context, cfg Config) (*Toolkit, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	tk := &Toolkit{cfg: cfg, dbs: make(map[string]*database, len(cfg.Databases)), log: cfg.Logger}
	for _, d := range cfg.Databases {
		db, err := openDatabase(ctx, d, cfg)
		if err != nil {
			_ = tk.Close()
			return nil, err
		}
		tk.dbs[d.Name] = db
		tk.names = append(tk.names, d.Name)
	}
	sort.Strings(tk.names)
	tk.tools = []toolkits.Tool{
		{Def: tk.schemaTool(), Handler: tk.handleSchema},
		{Def: tk.queryTool(), Handler: tk.handleQuery},
	}
	if cfg.Write {
		tk.tools = append(tk.tools, toolkits.Tool{Def: tk.executeTool(), Handler: tk.handleExecute})
	}
	return tk, nil
}

// normalize applies defaults and validates the configuration.
func (c *Config) normalize() error {
	if len(c.Databases) == 0 {
		return errors.New("sqlite: no databases configured")
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.BusyTimeout <= 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
	c.BusyTimeout = min(c.BusyTimeout, c.Timeout)
	if c.MaxResultBytes <= 0 {
		c.MaxResultBytes = DefaultMaxResultBytes
	}
	if c.MaxSchemaBytes <= 0 {
		c.MaxSchemaBytes = DefaultMaxSchemaBytes
	}
	if c.MemoryLimit <= 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.MemoryLimit < minMemoryLimit {
		return fmt.Errorf("sqlite: memory limit %d bytes is below the %d MiB a database needs", c.MemoryLimit, minMemoryLimit>>20)
	}
	seen := make(map[string]string, len(c.Databases))
	dbs := make([]Database, 0, len(c.Databases))
	for _, d := range c.Databases {
		if err := validateName(d.Name); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if strings.TrimSpace(d.Path) == "" {
			return fmt.Errorf("sqlite: database %q has an empty path", d.Name)
		}
		if prev, dup := seen[d.Name]; dup {
			return fmt.Errorf("sqlite: database name %q is used twice (%s and %s); name them with NAME=PATH", d.Name, prev, d.Path)
		}
		seen[d.Name] = d.Path
		abs, err := filepath.Abs(d.Path)
		if err != nil {
			return fmt.Errorf("sqlite: database %q: resolve path %s: %w", d.Name, d.Path, err)
		}
		dbs = append(dbs, Database{Name: d.Name, Path: abs})
	}
	c.Databases = dbs
	return nil
}

// Name returns "sqlite".
func (tk *Toolkit) Name() string { return "sqlite" }

// Tools lists sqlite_schema and sqlite_query, and sqlite_execute when writes
// are enabled.
func (tk *Toolkit) Tools() []toolkits.Tool {
	return slices.Clone(tk.tools)
}

// Databases returns the served databases (absolute paths), sorted by name.
func (tk *Toolkit) Databases() []Database {
	out := make([]Database, 0, len(tk.names))
	for _, n := range tk.names {
		out = append(out, Database{Name: n, Path: tk.dbs[n].path})
	}
	return out
}

// Close closes every connection. The toolkit must not be used afterwards.
func (tk *Toolkit) Close() error {
	var errs []error
	for _, db := range tk.dbs {
		errs = append(errs, db.close())
	}
	return errors.Join(errs...)
}

// lookup resolves the database argument. An empty name is fine when only one
// database is served.
func (tk *Toolkit) lookup(name string) (*database, error) {
	if name == "" {
		if len(tk.names) == 1 {
			return tk.dbs[tk.names[0]], nil
		}
		return nil, modelErrorf("several databases are configured; pass the database argument, one of: %s", strings.Join(tk.names, ", "))
	}
	if db, ok := tk.dbs[name]; ok {
		return db, nil
	}
	return nil, modelErrorf("no database named %q; configured databases: %s", name, strings.Join(tk.names, ", "))
}

// checkFile reports a database file that disappeared after start. Pooled
// connections would otherwise keep reading the deleted file.
func (db *database) checkFile() error {
	fi, err := os.Stat(db.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return modelErrorf("the file of database %q (%s) no longer exists; ask the user to restore it or restart glm-mcp with another --sqlite path", db.name, db.path)
	case err != nil:
		return modelErrorf("cannot access the file of database %q (%s): %v", db.name, db.path, err)
	case !fi.Mode().IsRegular():
		return modelErrorf("the path of database %q (%s) is no longer a regular file", db.name, db.path)
	}
	return nil
}
