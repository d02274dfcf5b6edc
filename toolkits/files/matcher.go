package files

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// lineMatcher finds the lines of a buffer that match a query. It answers with
// line spans, so the search loop never splits a buffer into lines it does not need.
type lineMatcher struct {
	literal []byte         // the literal query, lowered when fold
	fold    bool           // ASCII case-insensitive literal search
	re      *regexp.Regexp // nil for a literal query
	pre     []byte         // a literal every regex match contains (lowered when preFold)
	preFold bool
}

// newLineMatcher compiles a query. caseSensitive nil means smart case:
// sensitive when the query has an upper-case letter.
func newLineMatcher(query string, isRegex bool, caseSensitive *bool) (*lineMatcher, error) {
	if query == "" {
		return nil, fmt.Errorf("the query is empty; give the text (or regex) to search for")
	}
	if strings.ContainsAny(query, "\n\r") {
		return nil, fmt.Errorf("the query spans lines; search_content matches within one line, so search for one line of it")
	}
	sensitive := hasUpper(query)
	if caseSensitive != nil {
		sensitive = *caseSensitive
	}
	if !isRegex {
		if sensitive {
			return &lineMatcher{literal: []byte(query)}, nil
		}
		if isASCII(query) {
			return &lineMatcher{literal: []byte(strings.ToLower(query)), fold: true}, nil
		}
		query = regexp.QuoteMeta(query)
	}
	flags := "(?m)"
	if !sensitive {
		flags = "(?mi)"
	}
	re, err := regexp.Compile(flags + query)
	if err != nil {
		msg := strings.Replace(strings.TrimPrefix(err.Error(), "error parsing regexp: "), "`"+flags, "`", 1)
		return nil, fmt.Errorf("invalid regex: %s; fix it, or set regex to false to search for the text literally", msg)
	}
	m := &lineMatcher{re: re}
	m.pre, m.preFold = requiredLiteral(query, !sensitive)
	return m, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// requiredLiteral returns the longest ASCII literal that every match of the
// regex must contain, for a fast bytes.Index prefilter, or nil.
func requiredLiteral(expr string, fold bool) ([]byte, bool) {
	flags := syntax.Perl
	if fold {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(expr, flags)
	if err != nil {
		return nil, false
	}
	re = re.Simplify()
	var best *syntax.Regexp
	consider := func(r *syntax.Regexp) {
		if r.Op == syntax.OpLiteral && (best == nil || len(r.Rune) > len(best.Rune)) {
			best = r
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		consider(re)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			consider(sub)
		}
	}
	if best == nil || len(best.Rune) < 2 {
		return nil, false
	}
	s := string(best.Rune)
	if !isASCII(s) {
		return nil, false
	}
	if best.Flags&syntax.FoldCase != 0 {
		return []byte(strings.ToLower(s)), true
	}
	return []byte(s), false
}

// forEachLine calls fn with the start and end (exclusive, without the newline)
// of every matching line of buf, in order, until fn returns false. lower is a
// scratch buffer for case folding; it returns the (possibly grown) scratch.
func (m *lineMatcher) forEachLine(buf, lower []byte, fn func(start, end int) bool) []byte {
	needle, folded := m.literal, m.fold
	if m.re != nil {
		needle, folded = m.pre, m.preFold
	}
	hay := buf
	if folded {
		lower = toLowerASCII(lower, buf)
		hay = lower
	}
	if needle == nil {
		m.scanRegex(buf, fn)
		return lower
	}
	for pos := 0; pos < len(hay); {
		i := bytes.Index(hay[pos:], needle)
		if i < 0 {
			break
		}
		at := pos + i
		start := bytes.LastIndexByte(buf[:at], '\n') + 1
		end := len(buf)
		if j := bytes.IndexByte(buf[at:], '\n'); j >= 0 {
			end = at + j
		}
		if m.re == nil || m.re.Match(trimCR(buf[start:end])) {
			if !fn(start, end) {
				return lower
			}
		}
		pos = end + 1
	}
	return lower
}

// scanRegex runs a regex with no literal to prefilter on over the whole
// buffer, and checks each candidate on its own line (a match must not span
// lines). Files with CRLF line ends are matched line by line, without the
// \r, so that $ matches at their line ends too.
func (m *lineMatcher) scanRegex(buf []byte, fn func(start, end int) bool) {
	if bytes.IndexByte(buf, '\r') >= 0 {
		for start := 0; start < len(buf); {
			end := len(buf)
			if j := bytes.IndexByte(buf[start:], '\n'); j >= 0 {
				end = start + j
			}
			if m.re.Match(trimCR(buf[start:end])) && !fn(start, end) {
				return
			}
			start = end + 1
		}
		return
	}
	for pos := 0; pos <= len(buf); {
		loc := m.re.FindIndex(buf[pos:])
		if loc == nil {
			return
		}
		at := pos + loc[0]
		start := bytes.LastIndexByte(buf[:at], '\n') + 1
		end := len(buf)
		if j := bytes.IndexByte(buf[at:], '\n'); j >= 0 {
			end = at + j
		}
		if m.re.Match(buf[start:end]) && !fn(start, end) {
			return
		}
		pos = end + 1
	}
}

// toLowerASCII writes buf lowered (ASCII letters only; other bytes, UTF-8
// included, unchanged) into dst, reusing it. It works eight bytes at a time.
func toLowerASCII(dst, buf []byte) []byte {
	if cap(dst) < len(buf) {
		dst = make([]byte, len(buf), len(buf)+len(buf)/4)
	}
	dst = dst[:len(buf)]
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(buf); i += 8 {
		x := binary.LittleEndian.Uint64(buf[i:])
		low7 := x &^ high
		geA := low7 + (0x80-'A')*ones     // high bit set where byte >= 'A'
		gtZ := low7 + (0x7f-'Z')*ones     // high bit set where byte > 'Z'
		upper := (geA &^ gtZ) &^ x & high // ASCII upper-case letters
		binary.LittleEndian.PutUint64(dst[i:], x|upper>>2)
	}
	for ; i < len(buf); i++ {
		c := buf[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return dst
}

// trimCR drops a line's trailing carriage return.
func trimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}
