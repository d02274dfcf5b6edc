package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"

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
		mcp.WithDescription("Read a text file under the allowed roots, by lines. Returns up to limit lines from offset (1-based): "+
			"a header line (path: lines 1-2000 of 5000; next: offset=2001), then the lines exactly as they are in the file. "+
			"When the header names a next offset, call again with that offset to continue. Binary files, files over 10 MB and "+
			"anything that is not a regular file (devices, pipes) are refused; "+
			"use search_content to find the lines you need in a large file, then read around them."),
		mcp.WithString("path", mcp.Required(), mcp.Description("File to read, relative to the root (or absolute inside it).")),
		mcp.WithInteger("offset", mcp.Description("1-based number of the first line to return."), mcp.DefaultNumber(1), mcp.Min(1)),
		mcp.WithInteger("limit", mcp.Description("Most lines to return."), mcp.DefaultNumber(defaultReadLines), mcp.Min(1), mcp.Max(100000)),
		mcp.WithBoolean("line_numbers", mcp.Description("Prefix each line with its number and a tab."), mcp.DefaultBool(false)),
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
	// LineNumbers prefixes each line of the text block with its number.
	LineNumbers bool `json:"line_numbers"`
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
	data, errRes := v.load(ctx, args.Path)
	if errRes != nil {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read_file: %w", err)
		}
		return errRes, nil
	}
	out, raw := sliceLines(data, offset, limit, maxBytes)
	out.Path = args.Path
	return toolkits.ResultWithText(out, readText(out, raw, args.LineNumbers)), nil
}

func deref(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// load reads a whole text file through its root, refusing directories,
// oversized and binary files with messages the model can act on.
func (t *view) load(ctx context.Context, p string) ([]byte, *mcp.CallToolResult) {
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
	f, fi, err := loc.root.openRegular(loc.rel)
	switch {
	case fi != nil && fi.IsDir():
		return nil, toolkits.Errorf("%q is a directory; use list_directory or find_files to see what it holds", p)
	case fi != nil && !fi.Mode().IsRegular():
		return nil, toolkits.Errorf("%q is not a regular file (%s) and cannot be read", p, fi.Mode().Type())
	case err != nil:
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	}
	defer f.Close()
	if fi.Size() > t.maxFileSize {
		return nil, toolkits.Errorf("%q is %d bytes, over the %d-byte limit for reading; use search_content with path and include to find the lines you need", p, fi.Size(), t.maxFileSize)
	}
	// Never through Go's poller: a file that only looks regular (/proc/kmsg)
	// would park the call until data came.
	data, err := readAllNonBlockingCtx(ctx, f, t.maxFileSize)
	switch {
	case errors.Is(err, errWouldBlock):
		return nil, toolkits.Errorf("%q is not a regular file (reading it would wait for data: a kernel interface, pipe or device) and cannot be read", p)
	case err != nil:
		return nil, toolkits.Errorf("%s", t.pathError(p, err))
	case int64(len(data)) > t.maxFileSize:
		return nil, toolkits.Errorf("%q is over the %d-byte limit for reading; use search_content with path and include to find the lines you need", p, t.maxFileSize)
	}
	if isBinary(data) {
		return nil, toolkits.Errorf("%q is a binary file (it contains NUL bytes) and cannot be read as text", p)
	}
	return data, nil
}

// sliceLines returns lines [offset, offset+limit) of data, stopping early
// before maxBytes of text (but always returning at least one line), and the
// same lines as they are in data (line ends included).
func sliceLines(data []byte, offset, limit, maxBytes int) (ReadResult, []byte) {
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
	first := pos
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
	return out, data[first:min(pos, len(data))]
}
