package glmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// BasePath is the path part of Server.URL, the same as on the zai endpoint; the fake answers
// POST BasePath + "/chat/completions".
const BasePath = "/api/paas/v4"

// DefaultModel is the model named in answers to requests that name none.
const DefaultModel = "glm-4.7"

// maxBody bounds the request bodies the fake reads.
const maxBody = 32 << 20

// Call is a tool call the scripted model makes.
type Call struct {
	// ID is the call's id; empty means "call_<n>", n counting the calls the server has made
	// (call_1, call_2, … across all turns, so ids never repeat within a conversation).
	ID   string
	Name string
	// Arguments is the JSON text of the arguments, sent as is (it may be invalid on purpose).
	Arguments string
}

// Error is an API error answer.
type Error struct {
	// Status is the HTTP status; 0 means the status GLM-API.md gives for Code (401 for
	// 1000-1005, 429 for 1113 and the rate and quota codes, 400 for the parameter, length and
	// safety codes, 500 for 1200/1230/1234), else 500.
	Status int
	// Code is the provider's code, e.g. "1302"; empty leaves it out of the body.
	Code string
	// Message defaults to the provider's message for the codes of the recorded fixtures, else
	// to the status text.
	Message string
	// InStream answers a streaming request with HTTP 200, the turn's reasoning and content
	// deltas, then a data: {"error":…} frame and no [DONE] (an error reported mid-stream).
	// A non-streaming request gets the plain error answer.
	InStream bool
	// Header holds extra response headers, e.g. Retry-After.
	Header http.Header
}

// Turn is one scripted model answer.
type Turn struct {
	// Reasoning is the reasoning_content; it is streamed word by word, before the content.
	// It is left out when the request has thinking disabled.
	Reasoning string
	// Content is the answer's text, streamed word by word.
	Content string
	// ToolCalls are the calls the model makes, in index order.
	ToolCalls []Call
	// Finish is the finish_reason; empty means "tool_calls" with tool calls, else "stop".
	Finish string
	// Usage is reported as given (TotalTokens filled in when zero); nil means small numbers
	// computed from the request's size and the answer's words.
	Usage *glm.Usage
	// Error answers with an API error instead.
	Error *Error
	// Delay waits before answering. The wait ends early when the request's context ends (the
	// client gave up) or the server closes.
	Delay time.Duration
	// ChunkDelay waits between the chunks of a stream.
	ChunkDelay time.Duration
	// Hang sends the reasoning and content (streamed; nothing for a non-streaming request),
	// then blocks until the request's context ends or the server closes, without finishing.
	Hang bool
	// RepeatFinal sends the final chunk of a stream twice, as a real recording does.
	RepeatFinal bool
	// RawSSE, if set, is the answer: HTTP 200 with Content-Type text/event-stream and an
	// x-log-id header, then these pieces of the body written and flushed one by one (ChunkDelay
	// between them), so that a test can play recorded bytes split exactly as the network split
	// them (see Chunks). Everything else in the Turn but Delay and ChunkDelay is ignored.
	RawSSE []string
	// Respond, if set, computes the answer from the request instead (e.g. to echo tool
	// results). Delay, ChunkDelay, Hang and RepeatFinal of this Turn apply when the returned
	// Turn leaves them zero; the returned Turn's own Respond is ignored.
	Respond func(req glm.Request) Turn
}

// Recorded is one request the server received.
type Recorded struct {
	// N numbers the requests from 1 in order of arrival.
	N      int
	Method string
	Path   string
	// Header is the request's header, Authorization included.
	Header http.Header
	// Raw is the body as received.
	Raw []byte
	// Body is Raw decoded; zero if it did not decode.
	Body glm.Request
	// Status is the HTTP status of the answer, 0 until it is sent.
	Status int
}

// Server is a fake chat-completions endpoint playing a script of Turns. It is safe for
// concurrent use; concurrent requests take turns in the order they arrive.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:PORT/api/paas/v4.
	URL string

	t         testing.TB
	srv       *httptest.Server
	done      chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	script []Turn
	next   int
	def    *Turn
	reqs   []Recorded
	calls  int
}

// New starts a server on 127.0.0.1 that answers with turns in order. It is closed when the
// test ends; a request after the script and any default have run out fails t.
func New(t testing.TB, turns ...Turn) *Server {
	t.Helper()
	s := &Server{t: t, done: make(chan struct{}), script: slices.Clone(turns)}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	if err := s.srv.Listener.Close(); err != nil {
		t.Fatalf("glmtest: %v", err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("glmtest: listen on 127.0.0.1: %v", err)
	}
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL + BasePath
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down: requests that wait or hang end, connections are closed, and
// later requests are refused. It is called when the test ends; calling it earlier simulates an
// endpoint that went away.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Push appends turns to the script.
func (s *Server) Push(turns ...Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, turns...)
}

// SetDefault sets the answer to every request after the script has run out. Tool calls
// without an ID get a fresh one each time.
func (s *Server) SetDefault(t Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = &t
}

// Requests returns every request received so far, in order of arrival. The headers are
// copies; Raw and Body share memory with the server's record and must not be changed.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.reqs)
	for i := range out {
		out[i].Header = out[i].Header.Clone()
	}
	return out
}

// Count returns the number of requests received so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// Remaining returns the number of scripted turns not yet used (the default not counted).
func (s *Server) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.script) - s.next
}

// Chunks reads a recorded list of network reads (a JSON array of strings, such as
// stream_glm45flash_tool_index_minus1.chunks.json) for Turn.RawSSE. It fails t if the file
// does not hold one.
func Chunks(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("glmtest: %v", err)
	}
	var chunks []string
	if err := json.Unmarshal(b, &chunks); err != nil {
		t.Fatalf("glmtest: %s is not a JSON array of strings: %v", path, err)
	}
	return chunks
}

// ToolResults returns the tool messages at the end of req's conversation (the results of the
// model's last tool calls) as tool_call_id → content.
func ToolResults(req glm.Request) map[string]string {
	out := map[string]string{}
	for i := len(req.Messages) - 1; i >= 0 && req.Messages[i].Role == glm.RoleTool; i-- {
		if _, seen := out[req.Messages[i].ToolCallID]; !seen {
			out[req.Messages[i].ToolCallID] = req.Messages[i].Content
		}
	}
	return out
}

// handle serves one request.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	raw, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	n := s.record(r, raw)
	id := newID()
	logID := id // x-log-id, equal to the body's request_id
	switch {
	case r.URL.Path != BasePath+"/chat/completions":
		s.writeError(w, n, logID, Error{Status: http.StatusNotFound, Code: "404", Message: fmt.Sprintf(
			"glmtest: no route for %s %s; the fake serves POST %s/chat/completions", r.Method, r.URL.Path, BasePath)})
		return
	case r.Method != http.MethodPost:
		s.writeError(w, n, logID, Error{Status: http.StatusMethodNotAllowed, Code: "405", Message: fmt.Sprintf(
			"glmtest: method %s not allowed; the fake serves POST %s/chat/completions", r.Method, BasePath)})
		return
	case readErr != nil || len(raw) > maxBody:
		s.writeError(w, n, logID, Error{Code: "1210", Message: fmt.Sprintf(
			"%s (glmtest: request body unreadable or over %d bytes: %v)", codeMessages["1210"], maxBody, readErr)})
		return
	}
	var req glm.Request
	if err := json.Unmarshal(raw, &req); err != nil {
		s.writeError(w, n, logID, Error{Code: "1210", Message: fmt.Sprintf(
			"%s (glmtest: body is not a chat-completions request: %v)", codeMessages["1210"], err)})
		return
	}
	s.update(n, func(rec *Recorded) { rec.Body = req })
	if req.RequestID != "" {
		logID = req.RequestID
	}
	if code, why := checkRequest(req); code != "" {
		s.writeError(w, n, logID, Error{Code: code, Message: codeMessages[code] + " (glmtest: " + why + ")"})
		return
	}
	turn, ok := s.take()
	if !ok {
		msg := fmt.Sprintf("glmtest: request %d arrived after the script ran out (%d turns) and no default is set; Push more turns or SetDefault",
			n, s.scripted())
		s.t.Errorf("%s", msg)
		s.writeError(w, n, logID, Error{Status: http.StatusInternalServerError, Code: "500", Message: msg})
		return
	}
	turn = s.prepare(turn, req)
	ctx := r.Context()
	if !s.pause(ctx, turn.Delay) {
		return
	}
	a := answer{s: s, w: w, n: n, ctx: ctx, turn: turn, req: req, raw: raw, id: id, logID: logID, created: time.Now().Unix()}
	switch {
	case len(turn.RawSSE) > 0:
		a.rawSSE()
	case turn.Error != nil && !(turn.Error.InStream && req.Stream):
		s.writeError(w, n, logID, *turn.Error)
	case req.Stream:
		a.stream()
	case turn.Hang:
		s.block(ctx)
	default:
		a.json()
	}
}

// prepare resolves Respond, leaves out reasoning the request turned off, and names the calls.
func (s *Server) prepare(t Turn, req glm.Request) Turn {
	if t.Respond != nil {
		r := t.Respond(req)
		r.Respond = nil
		if r.Delay == 0 {
			r.Delay = t.Delay
		}
		if r.ChunkDelay == 0 {
			r.ChunkDelay = t.ChunkDelay
		}
		r.Hang = r.Hang || t.Hang
		if r.RawSSE == nil {
			r.RawSSE = t.RawSSE
		}
		r.RepeatFinal = r.RepeatFinal || t.RepeatFinal
		t = r
	}
	if req.Thinking != nil && req.Thinking.Type == "disabled" {
		t.Reasoning = ""
	}
	t.ToolCalls = slices.Clone(t.ToolCalls)
	s.mu.Lock()
	for i := range t.ToolCalls {
		if t.ToolCalls[i].ID == "" {
			s.calls++
			t.ToolCalls[i].ID = fmt.Sprintf("call_%d", s.calls)
		}
	}
	s.mu.Unlock()
	if t.Finish == "" {
		t.Finish = string(glm.FinishStop)
		if len(t.ToolCalls) > 0 {
			t.Finish = string(glm.FinishToolCalls)
		}
	}
	return t
}

// checkRequest refuses what the real endpoint refuses before generating: it returns the
// provider code and the reason, or "".
func checkRequest(req glm.Request) (code, why string) {
	if len(req.Messages) == 0 {
		return "1214", "the request has no messages"
	}
	if req.ToolChoice != nil && len(req.Tools) == 0 {
		return "1210", "tool_choice was sent without tools"
	}
	issued := map[string]bool{}
	for i, m := range req.Messages {
		switch m.Role {
		case glm.RoleAssistant:
			for _, tc := range m.ToolCalls {
				issued[tc.ID] = true
			}
		case glm.RoleTool:
			if !issued[m.ToolCallID] {
				return "1214", fmt.Sprintf("messages[%d] answers tool_call_id %q, which no earlier assistant message issued", i, m.ToolCallID)
			}
		}
	}
	return "", ""
}

func (s *Server) record(r *http.Request, raw []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.reqs) + 1
	s.reqs = append(s.reqs, Recorded{N: n, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw})
	return n
}

func (s *Server) update(n int, f func(*Recorded)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.reqs[n-1])
}

// take returns the next scripted turn, or the default.
func (s *Server) take() (Turn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next < len(s.script) {
		t := s.script[s.next]
		s.script[s.next] = Turn{} // let the test's closures go
		s.next++
		return t, true
	}
	if s.def != nil {
		return *s.def, true
	}
	return Turn{}, false
}

func (s *Server) scripted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.script)
}

// block waits until the request's context ends or the server closes.
func (s *Server) block(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.done:
	}
}

// pause waits d, and reports false if the request or the server ended first.
func (s *Server) pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// status is the HTTP status of the error answer.
func (e Error) status() int {
	if e.Status != 0 {
		return e.Status
	}
	return statusForCode(e.Code)
}

// message is the error's message, or the provider's for the code, or the status text.
func (e Error) message() string {
	if e.Message != "" {
		return e.Message
	}
	if m := codeMessages[e.Code]; m != "" {
		return m
	}
	return http.StatusText(e.status())
}

// writeError sends an error answer in the provider's shape.
func (s *Server) writeError(w http.ResponseWriter, n int, logID string, e Error) {
	status := e.status()
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("X-Log-Id", logID)
	s.update(n, func(rec *Recorded) { rec.Status = status })
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(e.Code, e.message()))
}
