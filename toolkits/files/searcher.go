package files

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// searcher searches the files of one walk. Workers take directories in walk
// order; a directory's matches count toward the limits only once every
// directory before it is done, so the result (and where it is cut) does not
// depend on scheduling, and the search stops as soon as a limit is met.
// Matches of directories done ahead of that prefix are held, at most about
// one byte budget of them: past it, workers wait for the prefix to catch up.
type searcher struct {
	t        *view
	loc      location
	lm       *lineMatcher
	include  *nameMatcher
	context  int
	max      int   // matches
	maxBytes int64 // bytes of paths and lines

	next atomic.Int64 // next unit to take
	stop atomic.Bool

	mu      sync.Mutex
	wake    *sync.Cond
	results []unitResult
	done    []bool
	prefix  int   // units [0, prefix) are done
	count   int   // matches in units [0, prefix)
	size    int64 // bytes in units [0, prefix)
	held    int64 // bytes in done units past the prefix

	matches []Match
	scanned int
	skipped int
	bytes   int64
	cut     cut
}

func newSearcher(v *view, loc location, lm *lineMatcher, include *nameMatcher, context, max int, maxBytes int64) *searcher {
	s := &searcher{t: v, loc: loc, lm: lm, include: include, context: context, max: max, maxBytes: maxBytes}
	s.wake = sync.NewCond(&s.mu)
	return s
}

// unitResult is what searching one directory found.
type unitResult struct {
	matches          []Match
	sizes            []int64 // bytes of each match
	size             int64
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
			for s.waitForRoom(ctx) {
				i := int(s.next.Add(1) - 1)
				if i >= len(units) {
					return
				}
				s.finish(i, w.searchDir(ctx, units[i]))
			}
		}()
	}
	wg.Wait()
	s.collect()
}

// waitForRoom waits while the matches held past the prefix exceed the byte
// budget; it reports whether the worker should go on. The prefix unit is
// always being searched by a worker that is not waiting, so this ends.
func (s *searcher) waitForRoom(ctx context.Context) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.held > s.maxBytes && !s.stop.Load() && ctx.Err() == nil {
		s.wake.Wait()
	}
	return !s.stop.Load() && ctx.Err() == nil
}

// collect keeps the done prefix, cut at the match and byte limits, so counts
// and matches do not depend on how far other workers got before the stop.
func (s *searcher) collect() {
	for _, r := range s.results[:s.prefix] {
		s.scanned += r.scanned
		s.skipped += r.skipped
		for k, m := range r.matches {
			if len(s.matches) == s.max {
				s.cut = cutCount
				return
			}
			if s.bytes+r.sizes[k] > s.maxBytes {
				s.cut = cutBytes
				return
			}
			s.matches = append(s.matches, m)
			s.bytes += r.sizes[k]
		}
	}
	if s.stop.Load() && s.prefix < len(s.done) && s.cut == cutNone {
		// A limit was met exactly with units left unsearched.
		s.cut = cutCount
		if len(s.matches) < s.max {
			s.cut = cutBytes
		}
	}
}

// finish records unit i's matches and advances the done prefix.
func (s *searcher) finish(i int, r unitResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.wake.Broadcast()
	s.results[i], s.done[i] = r, true
	if s.stop.Load() {
		return // the limit was met by units before this one: keep the cut where it is
	}
	s.held += r.size
	for s.prefix < len(s.done) && s.done[s.prefix] {
		pr := s.results[s.prefix]
		s.held -= pr.size
		s.count += len(pr.matches)
		s.size += pr.size
		s.prefix++
		if s.count >= s.max || s.size >= s.maxBytes {
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

func (w *searchWorker) searchDir(ctx context.Context, n *dirNode) unitResult {
	s := w.s
	var out unitResult
	h := n.handle
	if !n.kept {
		var err error
		if h, err = s.loc.root.openDirHandle(n.rel("", false)); err != nil {
			out.skipped = len(n.files)
			return out
		}
		defer h.close()
	}
	for _, f := range n.files {
		if s.stop.Load() || ctx.Err() != nil || len(out.matches) >= s.max || out.size > s.maxBytes {
			break
		}
		if s.include != nil && !s.include.match(n, f.name) {
			continue
		}
		data, ok := w.read(ctx, h, n, f)
		if !ok {
			out.skipped++
			continue
		}
		out.scanned++
		w.matchFile(ctx, &out, n, f.name, data)
	}
	return out
}

// read loads a file through its directory's handle, refusing non-regular,
// oversized and binary files. A symlink is opened through the root instead,
// which follows it only while it stays inside the root.
func (w *searchWorker) read(ctx context.Context, h dirHandle, n *dirNode, f fileEntry) ([]byte, bool) {
	var data []byte
	var err error
	if f.symlink {
		data, err = w.readLink(ctx, n.rel(f.name, false))
	} else {
		data, w.buf, err = h.readFile(f.name, w.buf, w.s.t.maxFileSize)
	}
	if err != nil || isBinary(data) {
		return nil, false
	}
	return data, true
}

// readLink reads a symlinked file through the root, never waiting on it.
func (w *searchWorker) readLink(ctx context.Context, rel string) ([]byte, error) {
	fh, fi, err := w.s.loc.root.openRegular(rel)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if fi.Size() > w.s.t.maxFileSize {
		return nil, errTooLarge
	}
	data, err := readAllNonBlockingCtx(ctx, fh, w.s.t.maxFileSize)
	if err == nil && int64(len(data)) > w.s.t.maxFileSize {
		err = errTooLarge
	}
	return data, err
}

// binarySniff is how much of a file is checked for a NUL byte.
const binarySniff = 8 << 10

func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniff)], 0) >= 0
}

// maxLineText is the longest line returned, in characters; longer lines are cut.
const maxLineText = 500

// scanChunk is how much of a file is matched between checks of the context.
const scanChunk = 64 << 10

// matchFile appends the matches of one file to out, a chunk of whole lines
// at a time so that a cancelled call stops within one chunk.
func (w *searchWorker) matchFile(ctx context.Context, out *unitResult, n *dirNode, name string, data []byte) {
	s := w.s
	path := ""
	lineNo, counted := 1, 0 // lineNo is the number of the line starting at counted
	for off := 0; off < len(data) || off == 0; {
		if ctx.Err() != nil {
			return
		}
		end, next := len(data), len(data)
		if off+scanChunk < len(data) {
			if j := bytes.IndexByte(data[off+scanChunk:], '\n'); j >= 0 {
				end, next = off+scanChunk+j, off+scanChunk+j+1
			}
		}
		more := true
		w.lower = s.lm.forEachLine(data[off:end], w.lower, func(cs, ce int) bool {
			start, stop := off+cs, off+ce
			lineNo += bytes.Count(data[counted:start], []byte{'\n'})
			counted = start
			if path == "" {
				path = s.t.display(s.loc.root, n.rel(name, false))
			}
			m := Match{Path: path, Line: lineNo, Text: cutLine(data[start:stop])}
			size := int64(len(path) + len(m.Text) + 16)
			if s.context > 0 {
				m.Before, m.After = contextLines(data, start, stop, s.context)
				for _, l := range m.Before {
					size += int64(len(l)) + 8
				}
				for _, l := range m.After {
					size += int64(len(l)) + 8
				}
			}
			out.matches = append(out.matches, m)
			out.sizes = append(out.sizes, size)
			out.size += size
			more = len(out.matches) < s.max && out.size <= s.maxBytes
			return more
		})
		if !more || next >= len(data) {
			return
		}
		off = next
	}
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
// characters on a UTF-8 boundary and marked with "…" when cut.
func cutLine(b []byte) string {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	if len(b) <= maxLineText {
		return string(b)
	}
	cut, chars := 0, 0
	for cut < len(b) && chars < maxLineText {
		_, size := utf8.DecodeRune(b[cut:])
		cut += size
		chars++
	}
	if cut >= len(b) {
		return string(b)
	}
	return string(b[:cut]) + "…"
}
