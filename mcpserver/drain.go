package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
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

// responseLine reports whether a JSON-RPC line is a response, reading only
// its top-level keys up to "result", "error" or "method": a tool's result can
// be large, and this runs on every line written.
func responseLine(line []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		switch key {
		case "result", "error":
			return true
		case "method":
			return false
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// requestLine reports whether a line is a request that will be answered: it
// has a method and a non-null id. It stops reading as soon as it knows, so
// large params are usually not scanned.
func requestLine(line []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	var hasID, hasMethod bool
	for dec.More() && !(hasID && hasMethod) {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		var val json.RawMessage
		if dec.Decode(&val) != nil {
			return false
		}
		switch key {
		case "id":
			hasID = string(val) != "null"
		case "method":
			hasMethod = true
		case "result", "error":
			return false
		}
	}
	return hasID && hasMethod
}
