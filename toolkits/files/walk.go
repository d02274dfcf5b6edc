package files

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// walkOptions says what a walk skips.
type walkOptions struct {
	includeHidden    bool
	respectGitignore bool
	maxEntries       int64   // bound on entries visited; 0 means defaultMaxEntries
	budget           *budget // directory handles a walk may keep open for the search after it; nil keeps none
}

// budget bounds the directory handles kept open across all the walks of a
// toolkit, so that concurrent searches cannot run the process out of file
// descriptors; a directory past it is simply opened again when searched.
type budget struct {
	n, max atomic.Int64
}

func newBudget(max int64) *budget {
	b := &budget{}
	b.max.Store(max)
	return b
}

func (b *budget) take() bool {
	if b == nil {
		return false
	}
	if b.n.Add(1) > b.max.Load() {
		b.n.Add(-1)
		return false
	}
	return true
}

func (b *budget) give() { b.n.Add(-1) }

const defaultMaxEntries = 2_000_000

// dirNode is one directory of a walk: its files and subdirectories, each
// sorted by name, so a walk's order does not depend on scheduling.
type dirNode struct {
	rel      string   // relative to the root, "." for the root
	comps    []string // rel split into components (empty for ".")
	files    []fileEntry
	subdirs  []*dirNode
	patterns []gitignore.Pattern // inherited and own .gitignore patterns
	handle   dirHandle           // kept open for a search when keepHandles allows
	kept     bool
}

// dirent is a directory entry: a name and its type bits (0 for a regular file).
type dirent struct {
	name string
	typ  fs.FileMode
}

type fileEntry struct {
	name    string
	symlink bool
}

func (d *dirNode) child(name string) string {
	if d.rel == "." {
		return name
	}
	return d.rel + "/" + name
}

// walkResult is a finished walk.
type walkResult struct {
	top       *dirNode
	truncated bool // maxEntries was reached
	errors    int  // directories that could not be read
}

// walk reads the tree below start in parallel: each directory is read by
// whichever goroutine finds it, bounded by a semaphore, and each node keeps
// its entries sorted. Directory symlinks are never followed.
func walk(ctx context.Context, rt *root, start string, opts walkOptions) walkResult {
	w := &walker{rt: rt, opts: opts, sem: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	if opts.maxEntries == 0 {
		w.opts.maxEntries = defaultMaxEntries
	}
	top := &dirNode{rel: start}
	if start != "." {
		top.comps = strings.Split(start, "/")
	}
	if opts.respectGitignore {
		top.patterns = w.ancestorPatterns(top.comps)
	}
	h, err := rt.openDirHandle(start)
	if err != nil {
		return walkResult{top: top, errors: 1}
	}
	w.wg.Add(1)
	w.visit(ctx, top, h)
	w.wg.Wait()
	return walkResult{top: top, truncated: w.entries.Load() > w.opts.maxEntries, errors: int(w.errs.Load())}
}

type walker struct {
	rt      *root
	opts    walkOptions
	sem     chan struct{}
	wg      sync.WaitGroup
	entries atomic.Int64
	errs    atomic.Int64
	bufs    sync.Pool
}

// visit reads directory n through its open handle h, then visits its
// subdirectories, each through a handle opened from h (O_NOFOLLOW), on another
// goroutine when the semaphore allows. h is kept for a later search when
// allowed, else closed.
func (w *walker) visit(ctx context.Context, n *dirNode, h dirHandle) {
	defer w.wg.Done()
	if ctx.Err() != nil || w.entries.Load() > w.opts.maxEntries {
		h.close()
		return
	}
	bp, _ := w.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	entries, buf, err := h.entries(*bp)
	*bp = buf
	w.bufs.Put(bp)
	if err != nil && len(entries) == 0 {
		w.errs.Add(1)
		h.close()
		return
	}
	w.entries.Add(int64(len(entries)))
	w.classify(n, entries)
	for _, sd := range n.subdirs {
		ch, err := h.openDir(path.Base(sd.rel))
		if err != nil {
			w.errs.Add(1)
			continue
		}
		w.wg.Add(1)
		select {
		case w.sem <- struct{}{}:
			go func() {
				defer func() { <-w.sem }()
				w.visit(ctx, sd, ch)
			}()
		default:
			w.visit(ctx, sd, ch)
		}
	}
	if len(n.files) > 0 && w.opts.budget.take() {
		n.handle, n.kept = h, true
		return
	}
	h.close()
}

// classify sorts a directory's entries into files and subdirectories,
// dropping hidden and ignored ones.
func (w *walker) classify(n *dirNode, entries []dirent) {
	if w.opts.respectGitignore {
		for _, e := range entries {
			if e.name == ".gitignore" && e.typ == 0 {
				n.patterns = append(slices.Clip(n.patterns), w.readIgnore(n.child(".gitignore"), n.comps)...)
			}
		}
	}
	var matcher gitignore.Matcher
	if len(n.patterns) > 0 {
		matcher = gitignore.NewMatcher(n.patterns)
	}
	slices.SortFunc(entries, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	for _, e := range entries {
		isDir := e.typ.IsDir()
		if skipName(e.name, w.opts.includeHidden) {
			continue
		}
		if matcher != nil && matcher.Match(append(slices.Clip(n.comps), e.name), isDir) {
			continue
		}
		switch {
		case isDir:
			n.subdirs = append(n.subdirs, &dirNode{rel: n.child(e.name), comps: append(slices.Clip(n.comps), e.name), patterns: n.patterns})
		case e.typ == 0:
			n.files = append(n.files, fileEntry{name: e.name})
		case e.typ&fs.ModeSymlink != 0:
			n.files = append(n.files, fileEntry{name: e.name, symlink: true})
		}
	}
}

// release closes every handle the walk kept and returns them to the budget.
func (r walkResult) release(b *budget) {
	var rec func(n *dirNode)
	rec = func(n *dirNode) {
		if n.kept {
			n.handle.close()
			n.kept = false
			b.give()
		}
		for _, sd := range n.subdirs {
			rec(sd)
		}
	}
	if r.top != nil {
		rec(r.top)
	}
}

// skipName reports whether an entry is skipped whatever the ignore files say:
// hidden entries (and so .git) unless asked for.
func skipName(name string, includeHidden bool) bool {
	return !includeHidden && strings.HasPrefix(name, ".")
}

// maxIgnoreFile bounds how much of a .gitignore is read.
const maxIgnoreFile = 1 << 20

// readIgnore parses one .gitignore with the patterns' domain set to its folder.
func (w *walker) readIgnore(rel string, domain []string) []gitignore.Pattern {
	f, err := w.rt.open(rel)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), maxIgnoreFile)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || len(bytes.TrimSpace([]byte(line))) == 0 {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, slices.Clip(domain)))
	}
	return ps
}

// ancestorPatterns collects the .gitignore patterns of the folders between
// the root and a walk that starts below it, so they apply there too.
func (w *walker) ancestorPatterns(comps []string) []gitignore.Pattern {
	var ps []gitignore.Pattern
	for i := 0; i < len(comps); i++ {
		dir := comps[:i]
		ps = append(ps, w.readIgnore(path.Join(append(slices.Clone(dir), ".gitignore")...), dir)...)
	}
	return ps
}

// units lists the directories that hold files, in walk order: a directory
// (its own files), then its subdirectories depth first.
func (r walkResult) units() []*dirNode {
	var out []*dirNode
	var rec func(n *dirNode)
	rec = func(n *dirNode) {
		if len(n.files) > 0 {
			out = append(out, n)
		}
		for _, sd := range n.subdirs {
			rec(sd)
		}
	}
	rec(r.top)
	return out
}
