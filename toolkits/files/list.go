package files

import (
	"context"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// ListResult is list_directory's structured result.
type ListResult struct {
	Path       string      `json:"path" jsonschema:"the directory listed"`
	Entries    []ListEntry `json:"entries" jsonschema:"entries sorted by name"`
	Total      int         `json:"total" jsonschema:"number of entries in the directory"`
	NextCursor string      `json:"next_cursor,omitempty" jsonschema:"pass as cursor to get the next page; absent on the last page"`
}

// ListEntry is one directory entry.
type ListEntry struct {
	Name     string `json:"name"`
	Type     string `json:"type" jsonschema:"file, dir, symlink or other"`
	Size     int64  `json:"size" jsonschema:"size in bytes (0 for directories)"`
	Modified string `json:"modified" jsonschema:"modification time, RFC 3339"`
}

func listDirectoryTool() mcp.Tool {
	return mcp.NewTool("list_directory",
		mcp.WithToolTitle("List directory"),
		mcp.WithDescription("List the entries of one directory under the allowed roots: name, type (file, dir, symlink), size and modification time, sorted by name. "+
			"Use it to look around a folder; use find_files to locate files by name across a tree. "+
			"Paths are relative to the root (or absolute inside it); omit path for the root. Large directories are paged: pass next_cursor back as cursor."),
		mcp.WithString("path", mcp.Description("Directory to list, relative to the root. Default: the root.")),
		mcp.WithInteger("limit", mcp.Description("Most entries to return (1-5000)."), mcp.DefaultNumber(defaultListLimit), mcp.Min(1), mcp.Max(maxListLimit)),
		mcp.WithString("cursor", mcp.Description("The next_cursor of a previous call, to continue the listing.")),
		mcp.WithOutputSchema[ListResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("List directory", true, false, true, false)),
	)
}

type listArgs struct {
	Path   string `json:"path"`
	Limit  *int   `json:"limit"`
	Cursor string `json:"cursor"`
}

func (t *Toolkit) listDirectory(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args listArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	limit := defaultListLimit
	if args.Limit != nil {
		limit = *args.Limit
	}
	if msg := checkRange("limit", limit, 1, maxListLimit); msg != "" {
		return toolkits.Errorf("%s", msg), nil
	}
	start := 0
	if args.Cursor != "" {
		n, err := strconv.Atoi(args.Cursor)
		if err != nil || n < 0 {
			return toolkits.Errorf("invalid cursor %q: pass the next_cursor value of the previous result unchanged, or omit it to start over", args.Cursor), nil
		}
		start = n
	}
	v, errRes := t.view(ctx)
	if errRes != nil {
		return errRes, nil
	}
	if args.Path == "" && len(v.roots) > 1 {
		return toolkits.Result(v.listRoots())
	}
	loc, err := v.resolve(args.Path)
	if err != nil {
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	f, err := loc.root.open(loc.rel)
	if err != nil {
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.IsDir() {
		return toolkits.Errorf("%q is a file, not a directory; use read_file to read it", args.Path), nil
	}
	entries, err := f.ReadDir(-1)
	if err != nil && len(entries) == 0 {
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	out := ListResult{Path: v.display(loc.root, loc.rel), Total: len(entries), Entries: []ListEntry{}}
	end := min(start+limit, len(entries))
	for _, e := range entries[min(start, len(entries)):end] {
		out.Entries = append(out.Entries, entryOf(e))
	}
	if end < len(entries) {
		out.NextCursor = strconv.Itoa(end)
	}
	return toolkits.Result(out)
}

func (t *view) listRoots() ListResult {
	out := ListResult{Path: "", Total: len(t.roots)}
	for _, rt := range t.roots {
		e := ListEntry{Name: rt.abs, Type: "dir"}
		if fi, err := rt.lstat("."); err == nil {
			e.Modified = fi.ModTime().UTC().Format(time.RFC3339)
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

func entryOf(e fs.DirEntry) ListEntry {
	le := ListEntry{Name: e.Name(), Type: typeName(e.Type())}
	if fi, err := e.Info(); err == nil {
		if fi.Mode().IsRegular() {
			le.Size = fi.Size()
		}
		le.Modified = fi.ModTime().UTC().Format(time.RFC3339)
	}
	return le
}

func typeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m.IsRegular():
		return "file"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	default:
		return "other"
	}
}
