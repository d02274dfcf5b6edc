package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
	"github.com/glm-mcp/glm-mcp/toolkits/files"
	"github.com/glm-mcp/glm-mcp/toolkits/httpfetch"
	"github.com/glm-mcp/glm-mcp/toolkits/sqlite"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// IsRepeatable tells the configuration file that an array sets this flag
// once per element.
func (s *stringList) IsRepeatable() bool { return true }

// allToolkits names the toolkits in the order they are offered.
var allToolkits = []string{"files", "sqlite", "http"}

// toolkitConfig is the configuration shared by every command that hosts the
// toolkits (serve, tools, and later ask and replay).
type toolkitConfig struct {
	Roots    stringList
	Toolkits string

	FilesMaxResult int64
	FilesTimeout   time.Duration

	SQLite          stringList
	SQLiteWrite     bool
	SQLiteTimeout   time.Duration
	SQLiteMaxResult int
	SQLiteMaxSchema int
	SQLiteMemory    int64

	AllowHosts    stringList
	FetchTimeout  time.Duration
	FetchMaxBytes int64
	FetchMaxHTML  int
	IgnoreRobots  bool
	UserAgent     string
}

// register adds the toolkit flags to fs.
func (c *toolkitConfig) register(fs *flag.FlagSet) {
	fs.Var(&c.Roots, "root", "a directory the files toolkit may read (repeatable; default: the current directory)")
	fs.StringVar(&c.Toolkits, "toolkits", strings.Join(allToolkits, ","), "comma-separated toolkits to host: files, sqlite, http")
	fs.Int64Var(&c.FilesMaxResult, "files-max-result", files.DefaultMaxResultBytes, "most bytes of text one find_files or search_content result carries")
	fs.DurationVar(&c.FilesTimeout, "files-timeout", files.DefaultCallTimeout, "time limit of one files tool call")
	fs.Var(&c.SQLite, "sqlite", "[NAME=]PATH of a SQLite database for the sqlite toolkit, opened read-only (repeatable; NAME defaults to the file name without extension)")
	fs.BoolVar(&c.SQLiteWrite, "sqlite-write", false, "also offer sqlite_execute, which writes through a separate read-write connection")
	fs.DurationVar(&c.SQLiteTimeout, "sqlite-timeout", 5*time.Second, "deadline of one SQL statement; past it the query is interrupted")
	fs.IntVar(&c.SQLiteMaxResult, "sqlite-max-result", sqlite.DefaultMaxResultBytes, "most bytes of values one sqlite_query result carries (every value counted, the first row's too)")
	fs.IntVar(&c.SQLiteMaxSchema, "sqlite-max-schema", sqlite.DefaultMaxSchemaBytes, "most bytes of text one sqlite_schema result carries; tables past it are only named")
	fs.Int64Var(&c.SQLiteMemory, "sqlite-memory", sqlite.DefaultMemoryLimit, "SQLite's heap limit in bytes for the whole process (sorts and temp tables stay in memory)")
	fs.Var(&c.AllowHosts, "allow-host", "HOST[:PORT] fetch_url may reach even though it resolves to a loopback, private or other non-public address (repeatable)")
	fs.DurationVar(&c.FetchTimeout, "fetch-timeout", 30*time.Second, "time limit of one fetch_url call, robots.txt and redirects included")
	fs.Int64Var(&c.FetchMaxBytes, "fetch-max-bytes", 10<<20, "largest body fetch_url reads, in bytes after decompression")
	fs.IntVar(&c.FetchMaxHTML, "fetch-max-html", httpfetch.DefaultMaxHTMLBytes, "most bytes of HTML turned into Markdown; a longer page is cut at a tag (raw=true reads past it)")
	fs.BoolVar(&c.IgnoreRobots, "ignore-robots", false, "do not check robots.txt before fetching")
	fs.StringVar(&c.UserAgent, "user-agent", "", "User-Agent of fetch_url (default glm-mcp/VERSION (+https://github.com/glm-mcp/glm-mcp))")
}

// enabled parses --toolkits into a set, refusing unknown names.
func (c *toolkitConfig) enabled() (map[string]bool, error) {
	set := map[string]bool{}
	for _, name := range strings.Split(c.Toolkits, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(allToolkits, name) {
			return nil, usageError("unknown toolkit %q in --toolkits (choose from %s)", name, strings.Join(allToolkits, ", "))
		}
		set[name] = true
	}
	return set, nil
}

// openedToolkits holds built toolkits and releases what they hold.
type openedToolkits struct {
	kits    []toolkits.Toolkit
	closers []func() error
}

// Close releases every toolkit's resources.
func (o *openedToolkits) Close() error {
	var errs []error
	for _, c := range o.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// build constructs the enabled toolkits. The caller closes the result.
func (c *toolkitConfig) build(ctx context.Context, logger zerolog.Logger) (*openedToolkits, error) {
	set, err := c.enabled()
	if err != nil {
		return nil, err
	}
	out := &openedToolkits{}
	if set["files"] {
		roots := []string(c.Roots)
		if len(roots) == 0 {
			roots = []string{"."}
		}
		if c.FilesMaxResult <= 0 || c.FilesTimeout <= 0 {
			return nil, usageError("--files-max-result and --files-timeout must be positive")
		}
		kit, err := files.New(files.Config{Roots: roots, Logger: logger, MaxResultBytes: c.FilesMaxResult, CallTimeout: c.FilesTimeout})
		if err != nil {
			return nil, fmt.Errorf("files toolkit: %w", err)
		}
		out.kits = append(out.kits, kit)
		out.closers = append(out.closers, kit.Close)
	}
	if set["sqlite"] && len(c.SQLite) > 0 {
		if err := c.buildSQLite(ctx, out, logger); err != nil {
			out.Close()
			return nil, err
		}
	}
	if set["http"] {
		if c.FetchTimeout <= 0 || c.FetchMaxBytes <= 0 || c.FetchMaxHTML <= 0 {
			out.Close()
			return nil, usageError("--fetch-timeout, --fetch-max-bytes and --fetch-max-html must be positive")
		}
		kit, err := httpfetch.New(httpfetch.Config{
			AllowHosts: c.AllowHosts, Timeout: c.FetchTimeout, MaxBytes: c.FetchMaxBytes, MaxHTMLBytes: c.FetchMaxHTML,
			IgnoreRobots: c.IgnoreRobots, UserAgent: c.UserAgent, Version: buildVersion(), Logger: logger,
		})
		if err != nil {
			out.Close()
			return nil, usageError("%v", err)
		}
		out.kits = append(out.kits, kit)
		out.closers = append(out.closers, kit.Close)
	}
	return out, nil
}

// buildSQLite opens the --sqlite databases. Without --sqlite the sqlite tools are not listed.
func (c *toolkitConfig) buildSQLite(ctx context.Context, out *openedToolkits, logger zerolog.Logger) error {
	if c.SQLiteTimeout <= 0 || c.SQLiteMaxResult <= 0 || c.SQLiteMaxSchema <= 0 {
		return usageError("--sqlite-timeout, --sqlite-max-result and --sqlite-max-schema must be positive")
	}
	dbs, err := sqlite.ParseSpecs(c.SQLite)
	if err != nil {
		return usageError("--sqlite: %v", err)
	}
	kit, err := sqlite.New(ctx, sqlite.Config{Databases: dbs, Write: c.SQLiteWrite, Timeout: c.SQLiteTimeout, Logger: logger,
		MaxResultBytes: c.SQLiteMaxResult, MaxSchemaBytes: c.SQLiteMaxSchema, MemoryLimit: c.SQLiteMemory})
	if err != nil {
		return fmt.Errorf("sqlite toolkit: %w", err)
	}
	out.kits = append(out.kits, kit)
	out.closers = append(out.closers, kit.Close)
	return nil
}
