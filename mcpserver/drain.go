package mcpserver

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"
)

// drainQuiet is how long EOF waits without any answer going out before it
// gives up on the requests still pending.
const drainQuiet = time.Minute

// drain lets requests already read finish when stdin ends. mcp-go cancels
// every request in flight as soon as its input reaches EOF, so
// `printf '...' | glm-mcp serve` would lose the answers of the last calls.
// The reader counts the requests that come in and the writer the responses
// that go out; at EOF the reader waits until every request has its answer
// (or ctx ends) before reporting EOF.
type drain struct {
	ctx     context.Context
	mu      sync.Mutex
	pending int
	changed chan struct{}
}

func newDrain(ctx context.Context) *drain {
	return &drain{ctx: ctx, changed: make(chan struct{}, 1)}
}

func (d *drain) count(line []byte, delta int, isResponse bool) {
	if isResponse {
		if !responseLine(line) {
			return // a request or notification from the server
		}
	} else if !requestLine(line) {
		return // a notification, or a client's answer to a server request
	}
	d.mu.Lock()
	d.pending += delta
	d.mu.Unlock()
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *drain) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending <= 0
}

// drainReader counts the requests read and holds EOF back until they are answered.
type drainReader struct {
	d       *drain
	r       io.Reader
	partial []byte
}

func (r *drainReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.partial = append(r.partial, p[:n]...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		r.d.count(r.partial[:i], +1, false)
		r.partial = r.partial[i+1:]
	}
	if err == io.EOF && n == 0 {
		if len(bytes.TrimSpace(r.partial)) > 0 && len(p) > 0 {
			// A last request without a newline: end its line, so it is read at all.
			r.d.count(r.partial, +1, false)
			r.partial = nil
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
	}
	return n, err
}

// drainWriter counts the responses written.
type drainWriter struct {
	d *drain
	w io.Writer
}

func (w *drainWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	for _, line := range bytes.Split(p[:n], []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) > 0 {
			w.d.count(line, -1, true)
		}
	}
	return n, err
}

// responseLine reports whether a JSON-RPC line is a response: it has a
// top-level "result" or "error" and no "method". Only the top-level keys are
// looked at, without decoding: a tool's result can be large, and this runs
// on every line written.
func responseLine(line []byte) bool {
	var resp, method bool
	ok := topLevelKeys(line, func(key string, value []byte) bool {
		switch key {
		case "result", "error":
			resp = true
		case "method":
			method = true
		}
		return true
	})
	return ok && resp && !method
}

// requestLine reports whether a line is a request that will be answered: a
// top-level "method" and a non-null "id", and no "result" or "error".
func requestLine(line []byte) bool {
	var id, method, resp bool
	ok := topLevelKeys(line, func(key string, value []byte) bool {
		switch key {
		case "id":
			id = string(value) != "null"
		case "method":
			method = true
		case "result", "error":
			resp = true
		}
		return true
	})
	return ok && id && method && !resp
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
