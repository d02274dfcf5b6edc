package files

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/bmatcuk/doublestar/v4"
)

// nameMatcher matches file names for find_files and search_content's include.
// A bare word (no glob characters, no slash) matches anywhere in the name, with
// smart case; a glob without a slash matches the name; a glob with a slash
// matches the path relative to where the search started.
type nameMatcher struct {
	pattern string
	word    bool // substring of the base name
	fold    bool // case-insensitive (bare words without capitals)
	path    bool // glob against the relative path
}

func newNameMatcher(pattern string) (*nameMatcher, error) {
	if pattern == "" {
		return nil, fmt.Errorf("the pattern is empty; give a name fragment like reader or a glob like **/*.go")
	}
	if !strings.ContainsAny(pattern, "*?[{\\/") {
		fold := !hasUpper(pattern)
		if fold {
			pattern = strings.ToLower(pattern)
		}
		return &nameMatcher{pattern: pattern, word: true, fold: fold}, nil
	}
	pattern = strings.TrimPrefix(pattern, "./")
	if !doublestar.ValidatePattern(pattern) {
		return nil, fmt.Errorf("invalid glob %q: check brackets and braces; examples: *.go, **/*_test.go, src/**/*.{ts,tsx}", pattern)
	}
	return &nameMatcher{pattern: pattern, path: strings.Contains(pattern, "/")}, nil
}

// match reports whether the file base in the walk's folder n matches; its
// path (relative to the walk's top) is built only for globs with a slash.
func (m *nameMatcher) match(n *dirNode, base string) bool {
	rel := ""
	if m.path {
		rel = n.rel(base, true)
	}
	return m.matchPath(rel, base)
}

// matchPath reports whether the file with this path (relative to the search
// start) and base name matches.
func (m *nameMatcher) matchPath(rel, base string) bool {
	switch {
	case m.word && m.fold:
		return containsFold(base, m.pattern)
	case m.word:
		return strings.Contains(base, m.pattern)
	case m.path:
		ok, _ := doublestar.Match(m.pattern, rel)
		return ok
	default:
		ok, _ := doublestar.Match(m.pattern, base)
		return ok
	}
}

// containsFold reports whether s contains the lower-case needle, ignoring case.
func containsFold(s, lowerNeedle string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Contains(strings.ToLower(s), lowerNeedle)
		}
	}
	if len(lowerNeedle) > len(s) {
		return false
	}
	for i := 0; i+len(lowerNeedle) <= len(s); i++ {
		j := 0
		for ; j < len(lowerNeedle); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerNeedle[j] {
				break
			}
		}
		if j == len(lowerNeedle) {
			return true
		}
	}
	return false
}

// hasUpper reports whether s has an upper-case letter (smart case).
func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
