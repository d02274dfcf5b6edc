// Package files is the files toolkit: list, find, search and read files under
// a set of allowed roots. Every access goes through os.Root, so no path, "..",
// symlink or race reaches outside the roots; searches walk in parallel, skip
// hidden, ignored and binary files, and stop as soon as they have enough.
package files

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// Defaults and bounds of the tools' arguments.
const (
	DefaultMaxFileSize = 10 << 20 // files larger than this are skipped by search and refused by read_file
	// DefaultMaxResultBytes bounds the text one find_files or search_content
	// result carries (paths, lines and context lines, counted once each).
	DefaultMaxResultBytes = 4 << 20
	// DefaultCallTimeout bounds one call of any files tool.
	DefaultCallTimeout = time.Minute
	defaultListLimit   = 500
	maxListLimit       = 5000
	defaultMaxResults  = 200
	maxMaxResults      = 5000
	defaultReadLines   = 2000
	defaultReadBytes   = 256 << 10
	maxContextLines    = 10
)

// Config configures the toolkit.
type Config struct {
	// Roots are the directories the tools may read; at least one.
	Roots []string
	// MaxFileSize is the largest file searched or read; DefaultMaxFileSize when 0.
	MaxFileSize int64
	// MaxResultBytes is the most text (paths, matching and context lines) one
	// find_files or search_content result returns; past it the result is cut
	// and says so. DefaultMaxResultBytes when 0.
	MaxResultBytes int64
	// CallTimeout bounds one call; a call past it ends with a message saying
	// how to ask for less. DefaultCallTimeout when 0.
	CallTimeout time.Duration
	// Logger is used for what the tools do not report to the model.
	Logger zerolog.Logger
}

// Toolkit serves list_directory, find_files, search_content and read_file.
type Toolkit struct {
	roots          []*root
	maxFileSize    int64
	maxResultBytes int64
	callTimeout    time.Duration
	walkCost       int64 // memory bound of one walk or listing; defaultWalkCost
	logger         zerolog.Logger

	handles *budget // directory handles kept between a search's walk and its reads

	mu       sync.Mutex
	subRoots map[string]*root // client roots inside configured roots, opened on first use
}

var _ toolkits.Toolkit = (*Toolkit)(nil)

// New opens the roots. It fails when a root does not exist or is not a directory.
func New(cfg Config) (*Toolkit, error) {
	if len(cfg.Roots) == 0 {
		return nil, errors.New("at least one root is needed")
	}
	t := &Toolkit{maxFileSize: cfg.MaxFileSize, maxResultBytes: cfg.MaxResultBytes, callTimeout: cfg.CallTimeout,
		logger: cfg.Logger, handles: newBudget(handleBudget())}
	if t.maxFileSize <= 0 {
		t.maxFileSize = DefaultMaxFileSize
	}
	if t.maxResultBytes <= 0 {
		t.maxResultBytes = DefaultMaxResultBytes
	}
	if t.callTimeout <= 0 {
		t.callTimeout = DefaultCallTimeout
	}
	t.walkCost = defaultWalkCost
	for _, p := range cfg.Roots {
		rt, err := openRoot(p)
		if err != nil {
			t.Close()
			return nil, err
		}
		t.roots = append(t.roots, rt)
	}
	return t, nil
}

// Close releases the roots' directory handles.
func (t *Toolkit) Close() error {
	var errs []error
	for _, rt := range t.roots {
		errs = append(errs, rt.close())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, rt := range t.subRoots {
		errs = append(errs, rt.close())
	}
	t.subRoots = nil
	return errors.Join(errs...)
}

// Roots returns the absolute roots as configured.
func (t *Toolkit) Roots() []string {
	out := make([]string, len(t.roots))
	for i, rt := range t.roots {
		out[i] = rt.abs
	}
	return out
}

// Name returns "files".
func (t *Toolkit) Name() string { return "files" }

// Tools returns the toolkit's four tools.
func (t *Toolkit) Tools() []toolkits.Tool {
	return []toolkits.Tool{
		{Def: listDirectoryTool(), Handler: t.handler("list_directory", t.listDirectory)},
		{Def: findFilesTool(), Handler: t.handler("find_files", t.findFiles)},
		{Def: searchContentTool(), Handler: t.handler("search_content", t.searchContent)},
		{Def: readFileTool(), Handler: t.handler("read_file", t.readFile)},
	}
}

// errWouldBlock says a read would have waited: the file is a kernel
// interface, a pipe or a device that only looks like a file.
var errWouldBlock = errors.New("read would block")

// handler runs h under the toolkit's CallTimeout; a call that passes it (and
// was not cancelled by its caller) tells the model how to ask for less.
func (t *Toolkit) handler(name string, h toolkits.Handler) toolkits.Handler {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		cctx, cancel := context.WithTimeout(ctx, t.callTimeout)
		defer cancel()
		res, err := h(cctx, req)
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return toolkits.Errorf("%s stopped at its time limit of %s; ask for less: narrow path (a folder), include or pattern, or lower max_results", name, t.callTimeout), nil
		}
		return res, err
	}
}

// checkRange returns an error message when v is outside [lo, hi].
func checkRange(name string, v, lo, hi int) string {
	switch {
	case v >= lo && v <= hi:
		return ""
	case hi == 1<<31-1:
		return fmt.Sprintf("%s must be at least %d, got %d", name, lo, v)
	default:
		return fmt.Sprintf("%s must be between %d and %d, got %d", name, lo, hi, v)
	}
}
