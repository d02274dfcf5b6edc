package mcpserver

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// drainQuiet is how long EOF waits without any answer going out before it
// gives up on the requests still pending. The tools have their own limits
// (--sqlite-timeout, --fetch-timeout); this only bounds a request that would
// otherwise never be answered.
const drainQuiet = 10 * time.Minute

// drain lets requests already read finish when stdin ends. mcp-go cancels
// every request in flight as soon as its input reaches EOF, so
// `printf '...' | glm-mcp serve` would lose the answers of the last calls.
// The reader notes the id of every request that comes in and the writer
// crosses off the id of every response that goes out; at EOF the reader waits
// until no noted id is left (or ctx ends) before reporting EOF. Answers to
// lines that were not requests (a blank line, a parse error) carry ids that
// were never noted and change nothing.
type drain struct {
	ctx     context.Context
	mu      sync.Mutex
	pending map[string]bool
	changed chan struct{}
}

func newDrain(ctx context.Context) *drain {
	return &drain{ctx: ctx, pending: map[string]bool{}, changed: make(chan struct{}, 1)}
}

// request notes the id of a request line.
func (d *drain) request(line []byte) {
	if id, ok := requestID(line); ok {
		d.mu.Lock()
		d.pending[id] = true
		d.mu.Unlock()
	}
}

// response crosses off the id of a response line.
func (d *drain) response(line []byte) {
	id, ok := responseID(line)
	if !ok {
		return
	}
	d.mu.Lock()
	delete(d.pending, id)
	d.mu.Unlock()
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *drain) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending) == 0
}

// drainReader notes the requests read and holds EOF back until they are answered.
type drainReader struct {
	d       *drain
	r       io.Reader
	partial []byte
	scanned int // bytes of partial already searched for a newline
}

func (r *drainReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.lines(p[:n])
		if err == io.EOF {
			err = nil // deliver the data now; EOF (and the wait) comes with the next read
		}
		return n, err
	}
	if err != io.EOF {
		return n, err
	}
	if len(bytes.TrimSpace(r.partial)) > 0 && len(p) > 0 {
		// A last request without a newline: end its line, so it is read at all.
		r.d.request(r.partial)
		r.partial, r.scanned = nil, 0
		p[0] = '\n'
		return 1, nil
	}
	for !r.d.idle() {
		select {
		case <-r.d.changed:
		case <-r.d.ctx.Done():
			return 0, io.EOF
		case <-time.After(drainQuiet):
			return 0, io.EOF // nothing answered for a long while: stop waiting
		}
	}
	return 0, io.EOF
}

// lines notes the requests among the complete lines of data. A long line
// arriving in pieces is searched for its end only in the new bytes.
func (r *drainReader) lines(data []byte) {
	r.partial = append(r.partial, data...)
	for {
		i := bytes.IndexByte(r.partial[r.scanned:], '\n')
		if i < 0 {
			r.scanned = len(r.partial)
			return
		}
		end := r.scanned + i
		r.d.request(r.partial[:end])
		r.partial, r.scanned = r.partial[end+1:], 0
	}
}

// drainWriter crosses off the responses written.
type drainWriter struct {
	d *drain
	w io.Writer
}

func (w *drainWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	for _, line := range bytes.Split(p[:n], []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) > 0 {
			w.d.response(line)
		}
	}
	return n, err
}

// responseID returns the id of a response line (one with a top-level
// "result" or "error" and no "method"). Only the top-level keys are looked
// at, without decoding: a tool's result can be large, and this runs on every
// line written.
func responseID(line []byte) (string, bool) {
	var id string
	var resp, method bool
	ok := topLevelKeys(line, func(key string, value []byte) bool {
		switch {
		case strings.EqualFold(key, "id"):
			id = normalizeID(value)
		case strings.EqualFold(key, "result"), strings.EqualFold(key, "error"):
			resp = true
		case strings.EqualFold(key, "method"):
			method = true
		}
		return true
	})
	return id, ok && resp && !method && id != ""
}

// requestID returns the id of a request that will be answered: a line with a
// top-level "method" and a non-null "id", and no "result" or "error". Keys
// match without regard to case, as encoding/json (and so mcp-go) reads them.
func requestID(line []byte) (string, bool) {
	var id string
	var method, resp bool
	ok := topLevelKeys(line, func(key string, value []byte) bool {
		switch {
		case strings.EqualFold(key, "id"):
			id = normalizeID(value)
		case strings.EqualFold(key, "method"):
			method = true
		case strings.EqualFold(key, "result"), strings.EqualFold(key, "error"):
			resp = true
		}
		return true
	})
	return id, ok && id != "" && method && !resp
}

// normalizeID writes an id the way it comes back in the response: strings
// as they are, numbers in their shortest form (1.0 is answered as 1); null
// is no id.
func normalizeID(raw []byte) string {
	s := string(raw)
	if s == "null" || s == "" {
		return ""
	}
	if s[0] == '"' {
		return s
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// topLevelKeys calls fn with each key of the JSON object in b and its raw
// value, without allocating. It reports false when b is not a well-formed
// object at the top level (values are skipped by their brackets and strings,
// not validated in depth).
func topLevelKeys(b []byte, fn func(key string, value []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		end := skipString(b, i)
		if end < 0 {
			return false
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		start := skipSpace(b, i+1)
		vend := skipValue(b, start)
		if vend < 0 {
			return false
		}
		if !fn(string(key), b[start:vend]) {
			return true
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] ('"'), or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just past the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end := skipString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default: // a number, true, false or null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
