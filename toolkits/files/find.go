package files

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// FindResult is find_files' structured result.
type FindResult struct {
	Files     []string `json:"files" jsonschema:"matching file paths, relative to the root (absolute when there are several roots)"`
	Count     int      `json:"count" jsonschema:"number of paths returned"`
	Truncated bool     `json:"truncated" jsonschema:"true when more files matched than max_results, or the tree was too large to walk whole"`
	// DirsSkipped counts folders that could not be read (permissions, races).
	DirsSkipped int `json:"dirs_skipped,omitempty" jsonschema:"folders that could not be read and were skipped"`
}

func findFilesTool() mcp.Tool {
	return mcp.NewTool("find_files",
		mcp.WithToolTitle("Find files"),
		mcp.WithDescription("Find files by name under the allowed roots, fast (a parallel walk). "+
			"pattern is a glob (*.go, **/*_test.go, src/**/*.{ts,tsx}; a glob with a slash matches the path from where the search starts, without one it matches the file name) "+
			"or a bare word, which matches anywhere in the file name (case-insensitive unless it has capitals). "+
			"Hidden files, .git and what .gitignore excludes are skipped unless asked for. Returns paths in a stable order; use read_file or search_content on them next."),
		mcp.WithString("pattern", mcp.Required(), mcp.Description("Glob or bare word, e.g. *.go, **/config*.yaml, reader.")),
		withWalkArgs("Most paths to return (1-5000)."),
		mcp.WithOutputSchema[FindResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Find files", true, false, true, false)),
	)
}

// walkArgs are the arguments find_files and search_content share.
type walkArgs struct {
	Path             string `json:"path"`
	MaxResults       *int   `json:"max_results"`
	IncludeHidden    bool   `json:"include_hidden"`
	RespectGitignore *bool  `json:"respect_gitignore"`
}

// withWalkArgs declares walkArgs in a tool's input schema.
func withWalkArgs(maxResults string) mcp.ToolOption {
	return func(tool *mcp.Tool) {
		for _, opt := range []mcp.ToolOption{
			mcp.WithString("path", mcp.Description("Directory to search under, relative to the root. Default: every root.")),
			mcp.WithInteger("max_results", mcp.Description(maxResults), mcp.DefaultNumber(defaultMaxResults), mcp.Min(1), mcp.Max(maxMaxResults)),
			mcp.WithBoolean("include_hidden", mcp.Description("Also search hidden files and folders (names starting with a dot, .git included)."), mcp.DefaultBool(false)),
			mcp.WithBoolean("respect_gitignore", mcp.Description("Skip what .gitignore files exclude."), mcp.DefaultBool(true)),
		} {
			opt(tool)
		}
	}
}

// walkPlan is checked walkArgs: the view, where to start, what to skip and
// how many results to return.
type walkPlan struct {
	v      *view
	starts []location
	opts   walkOptions
	max    int
}

// plan checks walkArgs; a result is what to tell the model when they are wrong.
func (t *Toolkit) plan(ctx context.Context, a walkArgs) (*walkPlan, *mcp.CallToolResult) {
	p := &walkPlan{max: deref(a.MaxResults, defaultMaxResults)}
	if msg := checkRange("max_results", p.max, 1, maxMaxResults); msg != "" {
		return nil, toolkits.Errorf("%s", msg)
	}
	var errRes *mcp.CallToolResult
	if p.v, errRes = t.view(ctx); errRes != nil {
		return nil, errRes
	}
	if p.starts, errRes = p.v.startPoints(a.Path); errRes != nil {
		return nil, errRes
	}
	p.opts = walkOptions{maxCost: t.walkCost, includeHidden: a.IncludeHidden, respectGitignore: a.RespectGitignore == nil || *a.RespectGitignore, budget: t.handles}
	return p, nil
}

type findArgs struct {
	Pattern string `json:"pattern"`
	walkArgs
}

func (t *Toolkit) findFiles(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args findArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	m, err := newNameMatcher(args.Pattern)
	if err != nil {
		return toolkits.Errorf("%v", err), nil
	}
	p, errRes := t.plan(ctx, args.walkArgs)
	if errRes != nil {
		return errRes, nil
	}
	p.opts.budget = nil // nothing is read after the walk
	out, why, walkCut := t.find(ctx, p, m)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("find_files: %w", err)
	}
	return toolkits.ResultWithText(out, findText(out, why, walkCut, t.maxResultBytes)), nil
}

// find walks every start point and collects the matching paths, up to
// max_results paths and the result byte budget.
func (t *Toolkit) find(ctx context.Context, p *walkPlan, m *nameMatcher) (FindResult, cut, bool) {
	out := FindResult{Files: []string{}}
	why, walkCut := cutNone, false
	var size int64
	for _, st := range p.starts {
		if why != cutNone {
			break
		}
		wr := walk(ctx, st.root, st.rel, p.opts)
		out.DirsSkipped += wr.errors
		if wr.truncated {
			why, walkCut = cutWalk, true
		}
		wr.each(func(n *dirNode) {
			for _, f := range n.files {
				if why == cutCount || why == cutBytes || !m.match(n, f.name) {
					continue
				}
				if len(out.Files) == p.max {
					why = cutCount
					return
				}
				path := p.v.display(st.root, n.rel(f.name, false))
				if size += int64(len(path)) + 1; size > t.maxResultBytes {
					why = cutBytes
					return
				}
				out.Files = append(out.Files, path)
			}
		})
	}
	out.Count = len(out.Files)
	out.Truncated = why != cutNone
	return out, why, walkCut
}

// startPoints resolves the path argument of find and search: every root when
// it is empty, else the one directory it names.
func (t *view) startPoints(p string) ([]location, *mcp.CallToolResult) {
	if p == "" {
		out := make([]location, len(t.roots))
		for i, rt := range t.roots {
			out[i] = location{rt, "."}
		}
		return out, nil
	}
	loc, err := t.resolve(p)
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	fi, rel, err := loc.root.stat(loc.rel) // not opened: it may be a device
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	loc.rel = rel // a start reached through an absolute symlink walks from its target
	if !fi.IsDir() {
		return nil, toolkits.Errorf("%q is a file; give a directory as path (or read the file with read_file)", p)
	}
	return []location{loc}, nil
}
