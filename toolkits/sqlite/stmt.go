package sqlite

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// errNoTail means go-sqlite3 changed the statement type this package reads the
// tail from; the toolkit refuses to start rather than run statements whose
// tail it cannot see.
var errNoTail = errors.New("cannot read the unparsed tail of a prepared statement from this go-sqlite3 version; the one-statement check is unavailable")

// stmtTail returns what go-sqlite3 knows but does not export about a prepared
// statement: the text after the first statement (SQLite's pzTail, trimmed),
// and whether the text held no statement at all (a NULL handle). SQLite's own
// parser decides where the first statement ends, so no SQL is parsed here.
func stmtTail(st driver.Stmt) (tail string, empty bool, err error) {
	v := reflect.ValueOf(st)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return "", false, errNoTail
	}
	t, s := v.Elem().FieldByName("t"), v.Elem().FieldByName("s")
	if !t.IsValid() || t.Kind() != reflect.String || !s.IsValid() || s.Kind() != reflect.Pointer {
		return "", false, errNoTail
	}
	return t.String(), s.IsNil(), nil
}

// checkTailDetection proves on a live connection that stmtTail works.
func checkTailDetection(sc *sqlite3.SQLiteConn) error {
	cases := []struct {
		sql, tail string
		empty     bool
	}{
		{"SELECT 1; SELECT 2", "SELECT 2", false},
		{"-- nothing", "", true},
	}
	for _, c := range cases {
		st, err := sc.Prepare(c.sql)
		if err != nil {
			return fmt.Errorf("check statement tail: %w", err)
		}
		tail, empty, err := stmtTail(st)
		_ = st.Close()
		if err != nil {
			return err
		}
		if tail != c.tail || empty != c.empty {
			return errNoTail
		}
	}
	return nil
}

// prepareOne prepares exactly one statement. Leading blanks are skipped; a
// second statement after the first is refused, whether or not it would run:
// go-sqlite3 would either run it silently (Query, Exec) or drop it (Prepare).
func prepareOne(sc *sqlite3.SQLiteConn, text string) (*sqlite3.SQLiteStmt, error) {
	if strings.IndexByte(text, 0) >= 0 {
		return nil, modelErrorf("sql contains a NUL byte; SQLite would ignore everything after it. Remove it")
	}
	start := skipBlank(text)
	if start == len(text) {
		return nil, modelErrorf("sql holds no statement (only blanks, comments or ';'); pass one SQL statement")
	}
	ds, err := sc.Prepare(text[start:])
	if err != nil {
		return nil, &sqlError{err: err, sql: text, offset: locateSyntaxError(sc, text, start, err)}
	}
	st, ok := ds.(*sqlite3.SQLiteStmt)
	if !ok {
		_ = ds.Close()
		return nil, fmt.Errorf("unexpected statement type %T", ds)
	}
	tail, empty, err := stmtTail(st)
	if err != nil || empty {
		_ = st.Close()
		if err != nil {
			return nil, err
		}
		return nil, modelErrorf("sql holds no statement; pass one SQL statement")
	}
	if skipBlank(tail) != len(tail) {
		_ = st.Close()
		return nil, modelErrorf("sql holds more than one statement; each call runs exactly one (nothing was run). Send the first statement alone, then the next one in another call. The second statement begins: %s", clip(tail[skipBlank(tail):], 80))
	}
	return st, nil
}

// skipBlank returns the length of the prefix of s made of what SQLite's
// tokenizer skips between statements: spaces (' ', \t, \n, \f, \r), ';',
// "--" comments and "/* */" comments (an unclosed one runs to the end, unless
// nothing follows "/*"). FuzzSkipBlank checks it against SQLite. It is
// not a parser: anything else ends the prefix, and a false "not blank" only
// refuses a call.
func skipBlank(s string) int {
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ';':
			i++
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return len(s)
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*") && i+2 < len(s): // a bare "/*" at the end is a '/' token
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return len(s)
			}
			i += 2 + j + 2
		default:
			return i
		}
	}
	return i
}

var (
	reNear         = regexp.MustCompile(`^near "(.*)": syntax error$`)
	reUnrecognized = regexp.MustCompile(`^unrecognized token: "(.*)"$`)
)

// maxLocateTries bounds the prepares spent on finding an error's position.
const maxLocateTries = 32

// locateSyntaxError finds the byte offset in text of the token a syntax error
// names, or -1. SQLite reports the token but (through go-sqlite3) not its
// offset; the token may occur several times, so each occurrence is checked by
// preparing the text up to it: the first prefix that fails with the same
// message ends at the offending token.
func locateSyntaxError(sc *sqlite3.SQLiteConn, text string, start int, err error) int {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return -1
	}
	msg := se.Error()
	if msg == "incomplete input" {
		return len(strings.TrimRight(text, " \t\n\f\r"))
	}
	m := reNear.FindStringSubmatch(msg)
	if m == nil {
		m = reUnrecognized.FindStringSubmatch(msg)
	}
	if m == nil || m[1] == "" {
		return -1
	}
	tok, first := m[1], -1
	for i, from := 0, start; i < maxLocateTries; i++ {
		j := strings.Index(text[from:], tok)
		if j < 0 {
			break
		}
		at := from + j
		if first < 0 {
			first = at
		}
		if prefixFailsWith(sc, text[start:at+len(tok)], msg) {
			return at
		}
		from = at + 1
	}
	return first
}

func prefixFailsWith(sc *sqlite3.SQLiteConn, prefix, msg string) bool {
	st, err := sc.Prepare(prefix)
	if err == nil {
		_ = st.Close()
		return false
	}
	return err.Error() == msg
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
