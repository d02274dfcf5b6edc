package files

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"

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
	Text   string   `json:"text" jsonschema:"the line (cut at 500 characters)"`
	Before []string `json:"before,omitempty" jsonschema:"context lines before"`
	After  []string `json:"after,omitempty" jsonschema:"context lines after"`
}

func searchContentTool() mcp.Tool {
	return mcp.NewTool("search_content",
		mcp.WithToolTitle("Search file contents"),
		mcp.WithDescription("Search the contents of files under the allowed roots for a text or a regular expression (RE2 syntax), like ripgrep: parallel, "+
			"skipping binary files, files over 10 MB, hidden files and what .gitignore excludes. Matching is per line; case is smart by default "+
			"(insensitive unless the query has capitals). Returns each matching line with its path and line number, optionally with context lines. "+
			"Narrow with path (a folder) and include (a glob on file names, e.g. *.go). Stops at max_results, so ask for fewer when you only need to know where something is."),
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
	for _, st := range p.starts {
		if len(out.Matches) >= p.max {
			out.Truncated = true
			break
		}
		s := &searcher{t: p.v, loc: st, lm: lm, include: include, context: args.ContextLines, max: p.max - len(out.Matches)}
		wr := walk(ctx, st.root, st.rel, p.opts)
		s.run(ctx, wr.units())
		wr.release(p.opts.budget)
		out.DirsSkipped += wr.errors
		out.Truncated = out.Truncated || wr.truncated
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("search_content: %w", err)
		}
		out.Matches = append(out.Matches, s.matches...)
		out.FilesScanned += s.scanned
		out.FilesSkipped += s.skipped
		out.Truncated = out.Truncated || s.truncated
	}
	out.Count = len(out.Matches)
	return toolkits.Result(out)
}

// searcher searches the files of one walk. Workers take directories in walk
// order; a directory's matches count toward the limit only once every
// directory before it is done, so the result (and where it is cut) does not
// depend on scheduling, and the search stops as soon as the limit is met.
type searcher struct {
	t       *view
	loc     location
	lm      *lineMatcher
	include *nameMatcher
	context int
	max     int

	next atomic.Int64 // next unit to take
	stop atomic.Bool

	mu        sync.Mutex
	results   []unitResult
	done      []bool
	prefix    int // units [0, prefix) are done
	count     int // matches in units [0, prefix)
	matches   []Match
	scanned   int
	skipped   int
	truncated bool
}

// unitResult is what searching one directory found.
type unitResult struct {
	matches          []Match
	scanned, skipped int
}

func (s *searcher) run(ctx context.Context, units []*dirNode) {
	s.results = make([]unitResult, len(units))
	s.done = make([]bool, len(units))
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &searchWorker{s: s}
			for ctx.Err() == nil && !s.stop.Load() {
				i := int(s.next.Add(1) - 1)
				if i >= len(units) {
					return
				}
				s.finish(i, w.searchDir(units[i]))
			}
		}()
	}
	wg.Wait()
	// Only the done prefix counts, so counts and matches do not depend on
	// how far other workers got before the stop.
	for _, r := range s.results[:s.prefix] {
		s.matches = append(s.matches, r.matches...)
		s.scanned += r.scanned
		s.skipped += r.skipped
	}
	if len(s.matches) > s.max {
		s.matches, s.truncated = s.matches[:s.max], true
	}
}

// finish records unit i's matches and advances the done prefix.
func (s *searcher) finish(i int, r unitResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[i], s.done[i] = r, true
	if s.stop.Load() {
		return // the limit was met by units before this one: keep the cut where it is
	}
	for s.prefix < len(s.done) && s.done[s.prefix] {
		s.count += len(s.results[s.prefix].matches)
		s.prefix++
		if s.count >= s.max {
			if s.count > s.max || s.prefix < len(s.done) {
				s.truncated = true
			}
			s.stop.Store(true)
			return
		}
	}
}

// searchWorker owns the buffers one goroutine reuses from file to file.
type searchWorker struct {
	s     *searcher
	buf   []byte
	lower []byte
}

func (w *searchWorker) searchDir(n *dirNode) unitResult {
	s := w.s
	var out unitResult
	h := n.handle
	if !n.kept {
		var err error
		if h, err = s.loc.root.openDirHandle(n.rel); err != nil {
			out.skipped = len(n.files)
			return out
		}
		defer h.close()
	}
	for _, f := range n.files {
		if s.stop.Load() || len(out.matches) >= s.max {
			break
		}
		rel := n.child(f.name)
		if s.include != nil && !s.include.match(relativeTo(s.loc.rel, rel), f.name) {
			continue
		}
		data, ok := w.read(h, rel, f)
		if !ok {
			out.skipped++
			continue
		}
		out.scanned++
		out.matches = w.matchFile(out.matches, s.t.display(s.loc.root, rel), data)
	}
	return out
}

// read loads a file through its directory's handle, refusing non-regular,
// oversized and binary files. A symlink is opened through the root instead,
// which follows it only while it stays inside the root.
func (w *searchWorker) read(h dirHandle, rel string, f fileEntry) ([]byte, bool) {
	var data []byte
	var err error
	if f.symlink {
		data, err = w.readLink(rel)
	} else {
		data, w.buf, err = h.readFile(f.name, w.buf, w.s.t.maxFileSize)
	}
	if err != nil || isBinary(data) {
		return nil, false
	}
	return data, true
}

// readLink reads a symlinked file through the root.
func (w *searchWorker) readLink(rel string) ([]byte, error) {
	fh, err := w.s.loc.root.open(rel)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	if fi.Size() > w.s.t.maxFileSize {
		return nil, errTooLarge
	}
	return io.ReadAll(io.LimitReader(fh, w.s.t.maxFileSize))
}

// binarySniff is how much of a file is checked for a NUL byte.
const binarySniff = 8 << 10

func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniff)], 0) >= 0
}

// maxLineText is the longest line returned; longer lines are cut.
const maxLineText = 500

// matchFile appends the matches of one file.
func (w *searchWorker) matchFile(out []Match, path string, data []byte) []Match {
	s := w.s
	var lineNo, counted int // lineNo is the number of the line starting at counted
	lineNo = 1
	w.lower = s.lm.forEachLine(data, w.lower, func(start, end int) bool {
		lineNo += bytes.Count(data[counted:start], []byte{'\n'})
		counted = start
		m := Match{Path: path, Line: lineNo, Text: cutLine(data[start:end])}
		if s.context > 0 {
			m.Before, m.After = contextLines(data, start, end, s.context)
		}
		out = append(out, m)
		return len(out) < s.max
	})
	return out
}

// contextLines returns up to n lines before and after the line [start, end).
func contextLines(data []byte, start, end, n int) (before, after []string) {
	pos := start
	for range n {
		if pos == 0 {
			break
		}
		b := bytes.LastIndexByte(data[:pos-1], '\n') + 1
		before = append([]string{cutLine(data[b : pos-1])}, before...)
		pos = b
	}
	pos = end
	for range n {
		if pos >= len(data) {
			break
		}
		b := pos + 1
		e := len(data)
		if j := bytes.IndexByte(data[b:], '\n'); j >= 0 {
			e = b + j
		}
		if b == len(data) {
			break
		}
		after = append(after, cutLine(data[b:e]))
		pos = e
	}
	return before, after
}

// cutLine returns a line as text, without a trailing \r, cut at maxLineText
// characters on a UTF-8 boundary.
func cutLine(b []byte) string {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	if len(b) <= maxLineText {
		return string(b)
	}
	cut := maxLineText
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]) + "…"
}
