package files

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
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
	Total      int         `json:"total" jsonschema:"number of entries in the directory (of those read, when truncated)"`
	NextCursor string      `json:"next_cursor,omitempty" jsonschema:"pass as cursor to get the next page; absent on the last page"`
	Truncated  bool        `json:"truncated,omitempty" jsonschema:"true when the directory has more entries than one call reads; only those read are sorted and paged"`
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
		mcp.WithDescription("List the entries of one directory under the allowed roots, sorted by name: one per line, folders as name/, symlinks as name@, "+
			"files with their size in bytes, each with its modification time (UTC). "+
			"Use it to look around a folder; use find_files to locate files by name across a tree. "+
			"Paths are relative to the root (or absolute inside it); omit path for the root. Large directories are paged: "+
			"when more entries remain, the first and last lines give the cursor to pass back (cursor=500)."),
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
	limit := deref(args.Limit, defaultListLimit)
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
		out := v.listRoots()
		return toolkits.ResultWithText(out, listText(out, 0)), nil
	}
	loc, err := v.resolve(args.Path)
	if err != nil {
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	fi, rel, err := loc.root.stat(loc.rel) // not opened yet: it may be a device
	if err != nil {
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	if !fi.IsDir() {
		return toolkits.Errorf("%q is a file, not a directory; use read_file to read it", args.Path), nil
	}
	f, err := loc.root.open(rel)
	if err != nil {
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	defer f.Close()
	names, truncated, err := readNames(ctx, f, t.walkCost)
	if err != nil && len(names) == 0 {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("list_directory: %w", ctx.Err())
		}
		return toolkits.Errorf("%s", v.pathError(args.Path, err)), nil
	}
	slices.SortFunc(names, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	out := ListResult{Path: v.display(loc.root, loc.rel), Total: len(names), Entries: []ListEntry{}, Truncated: truncated}
	end := min(start+limit, len(names))
	for _, e := range names[min(start, len(names)):end] {
		out.Entries = append(out.Entries, entryOf(loc.root, path.Join(rel, e.name), e))
	}
	if end < len(names) {
		out.NextCursor = strconv.Itoa(end)
	}
	return toolkits.ResultWithText(out, listText(out, start)), nil
}

// readNames reads a directory's names and types a chunk at a time, stopping
// when their memory passes maxCost (truncated) or ctx ends.
func readNames(ctx context.Context, f *os.File, maxCost int64) (out []dirent, truncated bool, err error) {
	var cost int64
	for {
		if err := ctx.Err(); err != nil {
			return out, false, err
		}
		des, err := f.ReadDir(4096)
		for _, de := range des {
			out = append(out, dirent{name: de.Name(), typ: de.Type()})
			cost += entryCost + int64(len(de.Name()))
		}
		if err == io.EOF || (err == nil && len(des) == 0) {
			return out, false, nil
		}
		if err != nil {
			return out, false, err
		}
		if cost > maxCost {
			return out, true, nil
		}
	}
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

// entryOf describes one entry, asking the root for its size and time.
func entryOf(rt *root, rel string, e dirent) ListEntry {
	le := ListEntry{Name: e.name, Type: typeName(e.typ)}
	if fi, err := rt.lstat(rel); err == nil {
		le.Type = typeName(fi.Mode())
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
