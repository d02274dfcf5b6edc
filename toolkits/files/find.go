package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// FindResult is find_files' structured result.
type FindResult struct {
	Files     []string `json:"files" jsonschema:"matching file paths, relative to the root (absolute when there are several roots)"`
	Count     int      `json:"count" jsonschema:"number of paths returned"`
	Truncated bool     `json:"truncated" jsonschema:"true when more files matched than max_results"`
}

func findFilesTool() mcp.Tool {
	return mcp.NewTool("find_files",
		mcp.WithToolTitle("Find files"),
		mcp.WithDescription("Find files by name under the allowed roots, fast (a parallel walk). "+
			"pattern is a glob (*.go, **/*_test.go, src/**/*.{ts,tsx}; a glob with a slash matches the path from where the search starts, without one it matches the file name) "+
			"or a bare word, which matches anywhere in the file name (case-insensitive unless it has capitals). "+
			"Hidden files, .git and what .gitignore excludes are skipped unless asked for. Returns paths in a stable order; use read_file or search_content on them next."),
		mcp.WithString("pattern", mcp.Required(), mcp.Description("Glob or bare word, e.g. *.go, **/config*.yaml, reader.")),
		mcp.WithString("path", mcp.Description("Directory to search under, relative to the root. Default: every root.")),
		mcp.WithInteger("max_results", mcp.Description("Most paths to return (1-5000)."), mcp.DefaultNumber(defaultMaxResults), mcp.Min(1), mcp.Max(maxMaxResults)),
		mcp.WithBoolean("include_hidden", mcp.Description("Also search hidden files and folders (names starting with a dot, .git included)."), mcp.DefaultBool(false)),
		mcp.WithBoolean("respect_gitignore", mcp.Description("Skip what .gitignore files exclude."), mcp.DefaultBool(true)),
		mcp.WithOutputSchema[FindResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Find files", true, false, true, false)),
	)
}

type findArgs struct {
	Pattern          string `json:"pattern"`
	Path             string `json:"path"`
	MaxResults       *int   `json:"max_results"`
	IncludeHidden    bool   `json:"include_hidden"`
	RespectGitignore *bool  `json:"respect_gitignore"`
}

func (t *Toolkit) findFiles(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args findArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	maxResults := defaultMaxResults
	if args.MaxResults != nil {
		maxResults = *args.MaxResults
	}
	if msg := checkRange("max_results", maxResults, 1, maxMaxResults); msg != "" {
		return toolkits.Errorf("%s", msg), nil
	}
	m, err := newNameMatcher(args.Pattern)
	if err != nil {
		return toolkits.Errorf("%v", err), nil
	}
	v, errRes := t.view(ctx)
	if errRes != nil {
		return errRes, nil
	}
	starts, errRes := v.startPoints(args.Path)
	if errRes != nil {
		return errRes, nil
	}
	opts := walkOptions{includeHidden: args.IncludeHidden, respectGitignore: args.RespectGitignore == nil || *args.RespectGitignore}
	out := FindResult{Files: []string{}}
	for _, st := range starts {
		wr := walk(ctx, st.root, st.rel, opts)
		wr.release()
		for _, n := range wr.units() {
			for _, f := range n.files {
				rel := n.child(f.name)
				if !m.match(relativeTo(st.rel, rel), f.name) {
					continue
				}
				if len(out.Files) == maxResults {
					out.Truncated = true
					break
				}
				out.Files = append(out.Files, v.display(st.root, rel))
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("find_files: %w", err)
		}
	}
	out.Count = len(out.Files)
	return toolkits.Result(out)
}

// relativeTo returns rel (relative to the root) relative to start.
func relativeTo(start, rel string) string {
	if start == "." {
		return rel
	}
	return strings.TrimPrefix(rel, start+"/")
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
	f, err := loc.root.open(loc.rel)
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	if !fi.IsDir() {
		return nil, toolkits.Errorf("%q is a file; give a directory as path (or read the file with read_file)", p)
	}
	return []location{loc}, nil
}
