package mcpserver

import "net/http"

// unescapingWriter undoes the HTML escapes (\u003c, \u003e, \u0026) that
// mcp-go's encoding/json writes into every JSON-RPC message, so that HTTP
// clients, like stdio ones, get `<`, `>` and `&` as they are. mcp-go writes
// each message (a JSON body, or one SSE event) in a single Write and sets no
// Content-Length, so each Write is rewritten whole.
type unescapingWriter struct {
	http.ResponseWriter
}

func (w unescapingWriter) Write(p []byte) (int, error) {
	if _, err := w.ResponseWriter.Write(unescapeHTML(append([]byte(nil), p...))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush passes flushes on, for the event streams.
func (w unescapingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer (deadlines).
func (w unescapingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
