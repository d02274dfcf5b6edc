package files

import (
	"context"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// walkOptions says what a walk skips.
type walkOptions struct {
	includeHidden    bool
	respectGitignore bool
	maxCost          int64   // bound on the memory a walk's tree may take, in bytes; 0 means defaultWalkCost
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

// defaultWalkCost bounds the memory one walk's tree may take (names, nodes):
// about a million entries. A walk past it stops and says it was cut.
const defaultWalkCost = 64 << 20

// Costs charged against walkOptions.maxCost, close to what Go allocates.
const (
	entryCost = 48  // a fileEntry or a dirent, beside its name
	nodeCost  = 160 // a dirNode
)

// dirNode is one directory of a walk: its files and subdirectories, each
// sorted by name, so a walk's order does not depend on scheduling. A node
// holds its own name and a pointer to its parent, never its whole path, so a
// tree of depth d takes memory in proportion to d, not d².
type dirNode struct {
	parent  *dirNode // nil for the walk's top
	name    string   // the top's path relative to the root for the top ("." for the root)
	depth   int      // components from the root to this folder
	files   []fileEntry
	subdirs []*dirNode
	ignore  *ignoreSet // the .gitignore rules in effect here, innermost first
	handle  dirHandle  // kept open for a search when the budget allows
	kept    bool
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

// rel returns the path of name inside n, relative to the root (fromTop
// false) or to the walk's top (fromTop true). It is built on demand, so
// only the paths a result shows are ever held.
func (n *dirNode) rel(name string, fromTop bool) string {
	size := len(name)
	parts := 0
	for c := n; c != nil; c = c.parent {
		if c.parent == nil && (fromTop || c.name == ".") {
			break
		}
		size += len(c.name) + 1
		parts++
	}
	if name == "" {
		size-- // no trailing slash
	}
	if size <= 0 {
		return "."
	}
	b := make([]byte, size)
	pos := size
	if name != "" {
		pos -= len(name)
		copy(b[pos:], name)
	}
	for c, i := n, 0; i < parts; c, i = c.parent, i+1 {
		if pos < size {
			pos--
			b[pos] = '/'
		}
		pos -= len(c.name)
		copy(b[pos:], c.name)
	}
	return string(b)
}

// walkResult is a finished walk.
type walkResult struct {
	top       *dirNode
	truncated bool // the walk's memory bound was reached
	cancelled bool // ctx ended the walk early
	errors    int  // directories that could not be read
}

// walk reads the tree below start in parallel: each directory is read by
// whichever goroutine finds it, bounded by a semaphore, and each node keeps
// its entries sorted. Directory symlinks are never followed.
func walk(ctx context.Context, rt *root, start string, opts walkOptions) walkResult {
	w := &walker{rt: rt, opts: opts, sem: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	if opts.maxCost == 0 {
		w.opts.maxCost = defaultWalkCost
	}
	top := &dirNode{name: start}
	if start != "." {
		w.startComps = strings.Split(start, "/")
		top.depth = len(w.startComps)
	}
	if opts.respectGitignore {
		top.ignore = w.ancestorRules(w.startComps)
	}
	h, err := rt.openDirHandle(start)
	if err != nil {
		return walkResult{top: top, errors: 1}
	}
	w.wg.Add(1)
	w.visit(ctx, top, h)
	w.wg.Wait()
	return walkResult{top: top, truncated: w.over(), cancelled: ctx.Err() != nil, errors: int(w.errs.Load())}
}

type walker struct {
	rt         *root
	opts       walkOptions
	startComps []string // the top's path split, empty for the root
	sem        chan struct{}
	wg         sync.WaitGroup
	cost       atomic.Int64
	errs       atomic.Int64
	bufs       sync.Pool
	comps      sync.Pool
}

// over reports whether the walk's memory bound was passed.
func (w *walker) over() bool { return w.cost.Load() > w.opts.maxCost }

// visit reads directory n through its open handle h, then visits its
// subdirectories, each through a handle opened from h (O_NOFOLLOW), on another
// goroutine when the semaphore allows. h is kept for a later search when
// allowed, else closed as soon as it is no longer needed: before the last
// subdirectory is visited, so a deep chain holds one handle, not one per level.
func (w *walker) visit(ctx context.Context, n *dirNode, h dirHandle) {
	defer w.wg.Done()
	if ctx.Err() != nil || w.over() {
		h.close()
		return
	}
	bp, _ := w.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	entries, buf, err := h.entries(*bp, func(read []dirent) bool {
		var c int64
		for _, e := range read {
			c += entryCost + int64(len(e.name))
		}
		return w.cost.Add(c) <= w.opts.maxCost && ctx.Err() == nil
	})
	*bp = buf
	w.bufs.Put(bp)
	if err != nil && len(entries) == 0 {
		w.errs.Add(1)
		h.close()
		return
	}
	w.classify(n, entries)
	w.cost.Add(nodeCost * int64(len(n.subdirs)))
	if len(n.files) > 0 && w.opts.budget.take() {
		n.handle, n.kept = h, true
	}
	closed := false
	for i, sd := range n.subdirs {
		if ctx.Err() != nil || w.over() {
			break
		}
		ch, err := h.openDir(sd.name)
		if err != nil {
			w.errs.Add(1)
			continue
		}
		if i == len(n.subdirs)-1 && !n.kept {
			h.close()
			closed = true
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
	if !n.kept && !closed {
		h.close()
	}
}

// classify sorts a directory's entries into files and subdirectories,
// dropping hidden and ignored ones.
func (w *walker) classify(n *dirNode, entries []dirent) {
	if w.opts.respectGitignore {
		for _, e := range entries {
			if e.name == ".gitignore" && e.typ == 0 {
				if ps := w.readIgnore(n.rel(".gitignore", false)); len(ps) > 0 {
					n.ignore = &ignoreSet{outer: n.ignore, depth: n.depth, patterns: ps}
				}
			}
		}
	}
	var path []string // n's components from the root, then a slot for the entry
	if n.ignore != nil {
		cp, _ := w.comps.Get().(*[]string)
		if cp == nil {
			cp = new([]string)
		}
		path = w.compsOf(n, (*cp)[:0])
		defer func() { clear(path); *cp = path[:0]; w.comps.Put(cp) }()
	}
	slices.SortFunc(entries, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	for _, e := range entries {
		isDir := e.typ.IsDir()
		if skipName(e.name, w.opts.includeHidden) {
			continue
		}
		if n.ignore != nil {
			path[len(path)-1] = e.name
			if n.ignore.excludes(path, isDir) {
				continue
			}
		}
		switch {
		case isDir:
			n.subdirs = append(n.subdirs, &dirNode{parent: n, name: e.name, depth: n.depth + 1, ignore: n.ignore})
		case e.typ == 0:
			n.files = append(n.files, fileEntry{name: e.name})
		case e.typ&fs.ModeSymlink != 0:
			n.files = append(n.files, fileEntry{name: e.name, symlink: true})
		}
	}
}

// compsOf returns n's path components from the root, plus one empty slot.
func (w *walker) compsOf(n *dirNode, buf []string) []string {
	buf = slices.Grow(buf, n.depth+1)[:n.depth+1]
	i := n.depth - 1
	for c := n; c.parent != nil; c = c.parent {
		buf[i] = c.name
		i--
	}
	copy(buf, w.startComps)
	buf[n.depth] = ""
	return buf
}

// release closes every handle the walk kept and returns them to the budget.
func (r walkResult) release(b *budget) {
	r.each(func(n *dirNode) {
		if n.kept {
			n.handle.close()
			n.kept = false
			b.give()
		}
	})
}

// each calls fn for every node, a folder before its subfolders, without
// recursion (a tree may be deeper than is wise to recurse).
func (r walkResult) each(fn func(n *dirNode)) {
	if r.top == nil {
		return
	}
	stack := []*dirNode{r.top}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		fn(n)
		for i := len(n.subdirs) - 1; i >= 0; i-- {
			stack = append(stack, n.subdirs[i])
		}
	}
}

// skipName reports whether an entry is skipped whatever the ignore files say:
// hidden entries (and so .git) unless asked for.
func skipName(name string, includeHidden bool) bool {
	return !includeHidden && strings.HasPrefix(name, ".")
}

// units lists the directories that hold files, in walk order: a directory
// (its own files), then its subdirectories depth first.
func (r walkResult) units() []*dirNode {
	var out []*dirNode
	r.each(func(n *dirNode) {
		if len(n.files) > 0 {
			out = append(out, n)
		}
	})
	return out
}
