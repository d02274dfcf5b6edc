package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// basePath is the path part of the base URL, as on the zai endpoint.
const basePath = "/api/paas/v4"

// maxBody bounds a request body the endpoint reads (50 turns of history fit
// many times over).
const maxBody = 8 << 20

// hit is what the endpoint saw of one completion request: when the handler
// was entered (the request's headers parsed) and when it started the write
// of the chunk holding the last token (which also carries the finish chunk
// and [DONE], so nothing the endpoint does after it is in the way).
type hit struct {
	n              int // 1-based count of requests
	arrived, final time.Time
	err            error
}

// endpoint is a fake GLM endpoint on 127.0.0.1 that streams a short answer
// at once and reports each request's times on hits.
type endpoint struct {
	URL  string
	srv  *http.Server
	ln   net.Listener
	hits chan hit
	n    atomic.Int64
}

func startEndpoint(turns int) (*endpoint, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	e := &endpoint{ln: ln, hits: make(chan hit, turns+8)}
	e.URL = "http://" + ln.Addr().String() + basePath
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+basePath+"/chat/completions", e.complete)
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

func (e *endpoint) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if e.srv.Shutdown(ctx) != nil {
		_ = e.srv.Close()
	}
}

// next waits for the endpoint's report of the next request (bounded).
func (e *endpoint) next(timeout time.Duration) (hit, error) {
	select {
	case h := <-e.hits:
		return h, h.err
	case <-time.After(timeout):
		return hit{}, errors.New("no completion request reached the endpoint")
	}
}

func (e *endpoint) report(h hit) {
	select {
	case e.hits <- h:
	default: // more requests than turns: the harness fails on its own count
	}
}

// complete answers one streamed completion: "answer N" in a few word
// deltas, then the marker "end-N." with the finish chunk, usage and [DONE]
// in one write.
func (e *endpoint) complete(w http.ResponseWriter, r *http.Request) {
	h := hit{arrived: time.Now(), n: int(e.n.Add(1))}
	var req struct {
		Stream bool `json:"stream"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err == nil && !req.Stream {
		err = errors.New("the request was not streamed")
	}
	if err != nil {
		h.err = fmt.Errorf("request %d: %w", h.n, err)
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		e.report(h)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	id := fmt.Sprintf("%s%016x", time.Now().UTC().Format("20060102150405"), h.n)
	for _, word := range []string{"Here", " is", " answer", fmt.Sprintf(" %d", h.n)} {
		if _, err := io.WriteString(w, event(id, word, "")); err != nil || rc.Flush() != nil {
			h.err = fmt.Errorf("request %d: write: %w", h.n, errors.Join(err, rc.Flush()))
			e.report(h)
			return
		}
	}
	last := event(id, fmt.Sprintf(" end-%d.", h.n), "") + event(id, "", "stop") + "data: [DONE]\n\n"
	h.final = time.Now()
	if _, err := io.WriteString(w, last); err != nil || rc.Flush() != nil {
		h.err = fmt.Errorf("request %d: write: %w", h.n, errors.Join(err, rc.Flush()))
	}
	e.report(h)
}

// event is one SSE event in the wire's shape (glm-fixtures): a content
// delta, or with finish the final chunk and its usage.
func event(id, content, finish string) string {
	type delta struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	type choice struct {
		Index        int    `json:"index"`
		FinishReason string `json:"finish_reason,omitempty"`
		Delta        delta  `json:"delta"`
	}
	c := map[string]any{
		"id": id, "created": time.Now().Unix(), "object": "chat.completion.chunk", "model": "glm-4.7",
		"choices": []choice{{Index: 0, FinishReason: finish, Delta: delta{Role: "assistant", Content: content}}},
	}
	if finish != "" {
		c["usage"] = map[string]any{"prompt_tokens": 120, "completion_tokens": 6, "total_tokens": 126,
			"prompt_tokens_details":     map[string]int{"cached_tokens": 0},
			"completion_tokens_details": map[string]int{"reasoning_tokens": 0}}
	}
	b, _ := json.Marshal(c)
	return "data: " + strings.TrimSpace(string(b)) + "\n\n"
}
