package files

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// ReadResult is read_file's structured result.
type ReadResult struct {
	Path       string `json:"path"`
	Text       string `json:"text" jsonschema:"the lines read, joined with newlines"`
	Offset     int    `json:"offset" jsonschema:"1-based number of the first line returned"`
	Lines      int    `json:"lines" jsonschema:"number of lines returned"`
	TotalLines int    `json:"total_lines" jsonschema:"number of lines in the file"`
	NextOffset int    `json:"next_offset,omitempty" jsonschema:"when the file continues, the offset to read next"`
	Truncated  bool   `json:"truncated" jsonschema:"true when lines remain after the ones returned"`
}

func readFileTool() mcp.Tool {
	return mcp.NewTool("read_file",
		mcp.WithToolTitle("Read file"),
		mcp.WithDescription("Read a text file under the allowed roots, by lines. Returns up to limit lines from offset (1-based), the file's total line count, "+
			"and next_offset when more remains: call again with offset set to it to continue. Binary files and files over 10 MB are refused; "+
			"use search_content to find the lines you need in a large file, then read around them."),
		mcp.WithString("path", mcp.Required(), mcp.Description("File to read, relative to the root (or absolute inside it).")),
		mcp.WithInteger("offset", mcp.Description("1-based number of the first line to return."), mcp.DefaultNumber(1), mcp.Min(1)),
		mcp.WithInteger("limit", mcp.Description("Most lines to return."), mcp.DefaultNumber(defaultReadLines), mcp.Min(1), mcp.Max(100000)),
		mcp.WithInteger("max_bytes", mcp.Description("Most bytes of text to return; lines past it are left for the next call."), mcp.DefaultNumber(defaultReadBytes), mcp.Min(1), mcp.Max(DefaultMaxFileSize)),
		mcp.WithOutputSchema[ReadResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Read file", true, false, true, false)),
	)
}

type readArgs struct {
	Path     string `json:"path"`
	Offset   *int   `json:"offset"`
	Limit    *int   `json:"limit"`
	MaxBytes *int   `json:"max_bytes"`
}

func (t *Toolkit) readFile(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args readArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	offset, limit, maxBytes := deref(args.Offset, 1), deref(args.Limit, defaultReadLines), deref(args.MaxBytes, defaultReadBytes)
	for _, msg := range []string{checkRange("offset", offset, 1, 1<<31-1), checkRange("limit", limit, 1, 100000), checkRange("max_bytes", maxBytes, 1, DefaultMaxFileSize)} {
		if msg != "" {
			return toolkits.Errorf("%s", msg), nil
		}
	}
	if args.Path == "" {
		return toolkits.Errorf("path is required: name the file to read (find_files locates files by name)"), nil
	}
	v, errRes := t.view(ctx)
	if errRes != nil {
		return errRes, nil
	}
	data, errRes := v.load(args.Path)
	if errRes != nil {
		return errRes, nil
	}
	out := sliceLines(data, offset, limit, maxBytes)
	out.Path = args.Path
	return toolkits.Result(out)
}

func deref(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// load reads a whole text file through its root, refusing directories,
// oversized and binary files with messages the model can act on.
func (t *view) load(p string) ([]byte, *mcp.CallToolResult) {
	loc, err := t.resolve(p)
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	if loc.root.hasFast {
		// One kernel-confined open; on any failure the path below gives the
		// exact message (not found, directory, too large, symlink rules).
		if data, err := loc.root.fast.readBeneath(loc.rel, t.maxFileSize); err == nil && !isBinary(data) {
			return data, nil
		}
	}
	f, err := loc.root.open(loc.rel)
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	switch {
	case fi.IsDir():
		return nil, toolkits.Errorf("%q is a directory; use list_directory or find_files to see what it holds", p)
	case !fi.Mode().IsRegular():
		return nil, toolkits.Errorf("%q is not a regular file (%s) and cannot be read", p, fi.Mode().Type())
	case fi.Size() > t.maxFileSize:
		return nil, toolkits.Errorf("%q is %d bytes, over the %d-byte limit for reading; use search_content with path and include to find the lines you need", p, fi.Size(), t.maxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, t.maxFileSize+1))
	if err != nil {
		return nil, toolkits.Errorf("%s", t.pathError(p, errors.Unwrap(err)))
	}
	if isBinary(data) {
		return nil, toolkits.Errorf("%q is a binary file (it contains NUL bytes) and cannot be read as text", p)
	}
	return data, nil
}

// sliceLines returns lines [offset, offset+limit) of data, stopping early
// before maxBytes of text (but always returning at least one line).
func sliceLines(data []byte, offset, limit, maxBytes int) ReadResult {
	total := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		total++
	}
	out := ReadResult{Offset: offset, TotalLines: total}
	pos := 0
	for line := 1; line < offset && pos < len(data); line++ {
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			pos = len(data)
			break
		}
		pos += i + 1
	}
	var text bytes.Buffer
	for out.Lines < limit && pos < len(data) {
		end := len(data)
		if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 {
			end = pos + i
		}
		line := bytes.TrimSuffix(data[pos:end], []byte{'\r'})
		if out.Lines > 0 && text.Len()+1+len(line) > maxBytes {
			break
		}
		if out.Lines > 0 {
			text.WriteByte('\n')
		}
		text.Write(line)
		out.Lines++
		pos = end + 1
	}
	out.Text = text.String()
	if next := offset + out.Lines; next <= total {
		out.NextOffset, out.Truncated = next, true
	}
	return out
}
