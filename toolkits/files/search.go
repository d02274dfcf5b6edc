package files

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// SearchResult is search_content's structured result.
type SearchResult struct {
	Matches      []Match `json:"matches" jsonschema:"matching lines in a stable order: by folder, a folder's files before its subfolders, then by line"`
	Count        int     `json:"count" jsonschema:"number of matches returned"`
	FilesScanned int     `json:"files_scanned" jsonschema:"files whose content was searched"`
	FilesSkipped int     `json:"files_skipped" jsonschema:"files skipped as binary, too large or unreadable"`
	DirsSkipped  int     `json:"dirs_skipped,omitempty" jsonschema:"folders that could not be read and were skipped"`
	Truncated    bool    `json:"truncated" jsonschema:"true when the search stopped at max_results, or the tree was too large to walk whole"`
}

// Match is one matching line.
type Match struct {
	Path   string   `json:"path"`
	Line   int      `json:"line" jsonschema:"1-based line number"`
	Text   string   `json:"text" jsonschema:"the line (a longer line is cut at 500 characters and ends with …)"`
	Before []string `json:"before,omitempty" jsonschema:"context lines before"`
	After  []string `json:"after,omitempty" jsonschema:"context lines after"`
}

func searchContentTool() mcp.Tool {
	return mcp.NewTool("search_content",
		mcp.WithToolTitle("Search file contents"),
		mcp.WithDescription("Search the contents of files under the allowed roots for a text or a regular expression (RE2 syntax), like ripgrep: parallel, "+
			"skipping binary files, files over 10 MB, hidden files and what .gitignore excludes. Matching is per line; case is smart by default "+
			"(insensitive unless the query has capitals). Returns each matching line with its path and line number, optionally with context lines. "+
			"Narrow with path (a folder) and include (a glob on file names, e.g. *.go). Stops at max_results, so ask for fewer when you only need to know where something is. "+
			"The text lists results as rg -n --heading does (the path, then LINE:text, context as LINE-text) and ends with a summary line; "+
			"when the result was cut, its first line says so and how to narrow the search (path, include, a more specific query) or raise max_results."),
		mcp.WithString("query", mcp.Required(), mcp.Description("Text to find, or a regular expression when regex is true.")),
		mcp.WithBoolean("regex", mcp.Description("Treat query as a regular expression (RE2: no backreferences or lookaround)."), mcp.DefaultBool(false)),
		mcp.WithBoolean("case_sensitive", mcp.Description("Match case exactly. Default: smart case (sensitive only if the query has capitals).")),
		mcp.WithString("include", mcp.Description("Only search files whose name matches this glob (e.g. *.go, **/*.md) or contains this word.")),
		mcp.WithInteger("context_lines", mcp.Description("Lines of context before and after each match (0-10)."), mcp.DefaultNumber(0), mcp.Min(0), mcp.Max(maxContextLines)),
		withWalkArgs("Most matching lines to return (1-5000)."),
		mcp.WithOutputSchema[SearchResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Search file contents", true, false, true, false)),
	)
}

type searchArgs struct {
	Query         string `json:"query"`
	Regex         bool   `json:"regex"`
	CaseSensitive *bool  `json:"case_sensitive"`
	Include       string `json:"include"`
	ContextLines  int    `json:"context_lines"`
	walkArgs
}

func (t *Toolkit) searchContent(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args searchArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	if msg := checkRange("context_lines", args.ContextLines, 0, maxContextLines); msg != "" {
		return toolkits.Errorf("%s", msg), nil
	}
	lm, err := newLineMatcher(args.Query, args.Regex, args.CaseSensitive)
	if err != nil {
		return toolkits.Errorf("%v", err), nil
	}
	var include *nameMatcher
	if args.Include != "" {
		if include, err = newNameMatcher(args.Include); err != nil {
			return toolkits.Errorf("include: %v", err), nil
		}
	}
	p, errRes := t.plan(ctx, args.walkArgs)
	if errRes != nil {
		return errRes, nil
	}
	out := SearchResult{Matches: []Match{}}
	why, walkCut := cutNone, false
	remaining := t.maxResultBytes
	for _, st := range p.starts {
		if why == cutCount || why == cutBytes {
			break
		}
		if len(out.Matches) >= p.max {
			why = cutCount
			break
		}
		s := newSearcher(p.v, st, lm, include, args.ContextLines, p.max-len(out.Matches), remaining)
		wr := walk(ctx, st.root, st.rel, p.opts)
		s.run(ctx, wr.units())
		wr.release(p.opts.budget)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("search_content: %w", err)
		}
		out.DirsSkipped += wr.errors
		out.Matches = append(out.Matches, s.matches...)
		out.FilesScanned += s.scanned
		out.FilesSkipped += s.skipped
		remaining -= s.bytes
		walkCut = walkCut || wr.truncated
		switch {
		case s.cut != cutNone:
			why = s.cut
		case wr.truncated:
			why = cutWalk
		}
	}
	out.Count = len(out.Matches)
	out.Truncated = why != cutNone
	return toolkits.ResultWithText(out, searchText(out, why, walkCut, t.maxResultBytes, args.ContextLines)), nil
}
