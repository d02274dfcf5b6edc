package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
	"github.com/glm-mcp/glm-mcp/toolkits/files"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// allToolkits names the toolkits in the order they are offered.
var allToolkits = []string{"files", "sqlite", "http"}

// toolkitConfig is the configuration shared by every command that hosts the
// toolkits (serve, tools, and later ask and replay).
type toolkitConfig struct {
	Roots    stringList
	Toolkits string
}

// register adds the toolkit flags to fs.
func (c *toolkitConfig) register(fs *flag.FlagSet) {
	fs.Var(&c.Roots, "root", "a directory the files toolkit may read (repeatable; default: the current directory)")
	fs.StringVar(&c.Toolkits, "toolkits", strings.Join(allToolkits, ","), "comma-separated toolkits to host: files, sqlite, http")
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
func (c *toolkitConfig) build(_ context.Context, logger zerolog.Logger) (*openedToolkits, error) {
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
		kit, err := files.New(files.Config{Roots: roots, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("files toolkit: %w", err)
		}
		out.kits = append(out.kits, kit)
	}
	return out, nil
}
