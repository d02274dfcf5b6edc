package files

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// ignoreSet is the patterns of one .gitignore, parsed relative to its own
// folder, linked to the sets of the folders above it. Sets are shared by
// every folder below, so rules cost memory once per .gitignore file.
type ignoreSet struct {
	outer    *ignoreSet
	depth    int // components from the root to the folder holding the file
	patterns []gitignore.Pattern
}

// excludes reports whether the entry at path (components from the root) is
// ignored: the innermost file's last matching pattern decides, as in git.
func (s *ignoreSet) excludes(path []string, isDir bool) bool {
	for ; s != nil; s = s.outer {
		rel := path[s.depth:]
		for i := len(s.patterns) - 1; i >= 0; i-- {
			switch s.patterns[i].Match(rel, isDir) {
			case gitignore.Exclude:
				return true
			case gitignore.Include:
				return false
			}
		}
	}
	return false
}

// maxIgnoreFile bounds how much of a .gitignore is read.
const maxIgnoreFile = 1 << 20

// readIgnore parses one .gitignore relative to its folder.
func (w *walker) readIgnore(rel string) []gitignore.Pattern {
	f, _, err := w.rt.openRegular(rel)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := readAllNonBlocking(f, maxIgnoreFile)
	if err != nil && len(data) == 0 {
		return nil
	}
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxIgnoreFile)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || len(strings.TrimSpace(line)) == 0 {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, nil))
	}
	return ps
}

// ancestorRules collects the .gitignore rules of the folders between the
// root and a walk that starts below it, so they apply there too.
func (w *walker) ancestorRules(comps []string) *ignoreSet {
	var s *ignoreSet
	for i := 0; i < len(comps); i++ {
		if ps := w.readIgnore(path.Join(append(comps[:i:i], ".gitignore")...)); len(ps) > 0 {
			s = &ignoreSet{outer: s, depth: i, patterns: ps}
		}
	}
	return s
}
