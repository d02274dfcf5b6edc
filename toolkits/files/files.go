// Package files is the files toolkit: list, find, search and read files under
// a set of allowed roots. Every access goes through os.Root, so no path, "..",
// symlink or race reaches outside the roots; searches walk in parallel, skip
// hidden, ignored and binary files, and stop as soon as they have enough.
package files

import (
	"errors"
	"fmt"
	"sync"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// Defaults and bounds of the tools' arguments.
const (
	DefaultMaxFileSize = 10 << 20 // files larger than this are skipped by search and refused by read_file
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
	// Logger is used for what the tools do not report to the model.
	Logger zerolog.Logger
}

// Toolkit serves list_directory, find_files, search_content and read_file.
type Toolkit struct {
	roots       []*root
	maxFileSize int64
	logger      zerolog.Logger

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
	t := &Toolkit{maxFileSize: cfg.MaxFileSize, logger: cfg.Logger, handles: newBudget(handleBudget())}
	if t.maxFileSize <= 0 {
		t.maxFileSize = DefaultMaxFileSize
	}
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
		{Def: listDirectoryTool(), Handler: t.listDirectory},
		{Def: findFilesTool(), Handler: t.findFiles},
		{Def: searchContentTool(), Handler: t.searchContent},
		{Def: readFileTool(), Handler: t.readFile},
	}
}

// checkRange returns an error message when v is outside [lo, hi].
func checkRange(name string, v, lo, hi int) string {
	if v < lo || v > hi {
		return fmt.Sprintf("%s must be between %d and %d, got %d", name, lo, hi, v)
	}
	return ""
}
