package glmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// The JSON shapes below follow the recorded real answers (GLM-API.md, glm-fixtures).

// completion is a non-streaming answer.
type completion struct {
	ID        string       `json:"id"`
	RequestID string       `json:"request_id"`
	Created   int64        `json:"created"`
	Model     string       `json:"model"`
	Object    string       `json:"object"`
	Choices   []choiceWire `json:"choices"`
	Usage     usageWire    `json:"usage"`
}

type choiceWire struct {
	Index        int         `json:"index"`
	FinishReason string      `json:"finish_reason"`
	Message      messageWire `json:"message"`
}

type messageWire struct {
	Role             string         `json:"role"`
	Content          string         `json:"content"`
	ReasoningContent string         `json:"reasoning_content,omitempty"`
	ToolCalls        []toolCallWire `json:"tool_calls,omitempty"`
}

// toolCallWire is a whole tool call, or with tool_stream a fragment of one (a later fragment
// has only the index and a piece of the arguments).
type toolCallWire struct {
	ID       string       `json:"id,omitempty"`
	Index    int          `json:"index"`
	Type     string       `json:"type,omitempty"`
	Function functionWire `json:"function"`
}

type functionWire struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// chunk is one event of a streamed answer.
type chunk struct {
	ID      string        `json:"id"`
	Created int64         `json:"created"`
	Object  string        `json:"object"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *usageWire    `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int    `json:"index"`
	FinishReason string `json:"finish_reason,omitempty"`
	Delta        delta  `json:"delta"`
}

type delta struct {
	Role             string         `json:"role,omitempty"`
	Content          *string        `json:"content,omitempty"`
	ReasoningContent string         `json:"reasoning_content,omitempty"`
	ToolCalls        []toolCallWire `json:"tool_calls,omitempty"`
}

type usageWire struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

type errorWire struct {
	Error struct {
		Code    string `json:"code,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

func errorBody(code, msg string) []byte {
	var e errorWire
	e.Error.Code, e.Error.Message = code, msg
	b, _ := json.Marshal(e)
	return b
}

// codeMessages are the provider's messages for the codes of the recorded error fixtures.
var codeMessages = map[string]string{
	"1001": "Authentication parameter not received in Header, unable to authenticate",
	"1113": "Insufficient balance or no resource package. Please recharge.",
	"1210": "Invalid API parameter, please check the documentation.",
	"1214": "The messages parameter is illegal. Please check the documentation.",
	"1261": "Prompt too long",
	"1301": "System detected potentially unsafe or sensitive content in input or generation. Please avoid using prompts that may generate sensitive content. Thank you for your cooperation.",
	"1302": "Rate limit reached for requests",
}

// statusForCode is the HTTP status the provider answers a code with (GLM-API.md's table). A
// code that is itself an HTTP status stands for that status.
func statusForCode(code string) int {
	n, err := strconv.Atoi(code)
	if err != nil {
		return http.StatusInternalServerError
	}
	switch {
	case n >= 1000 && n <= 1005:
		return http.StatusUnauthorized
	case n >= 1110 && n <= 1113, n == 1120, n == 1121, n == 1304, n == 1302, n == 1303, n == 1305, n == 1312, n >= 1308 && n <= 1311, n >= 1313 && n <= 1321:
		return http.StatusTooManyRequests
	case n >= 1210 && n <= 1215, n == 1221, n == 1222, n == 1261, n == 1301:
		return http.StatusBadRequest
	case n >= 400 && n <= 599:
		return n
	}
	return http.StatusInternalServerError
}

// newID returns an id in the provider's form: UTC time to the second, then 16 hex digits.
func newID() string {
	return time.Now().UTC().Format("20060102150405") + fmt.Sprintf("%016x", rand.Uint64())
}

// words splits text the way the model's deltas come: each piece but the first starts with the
// whitespace before its word ("The", " user", " is"). Only ASCII whitespace separates, so a
// multi-byte character is never cut.
func words(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if isSpace(s[i]) && !isSpace(s[i-1]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// fragments splits tool-call arguments into tool_stream pieces, each ending after a ':' or ','
// (`{"city":`, `"Beijing"}`).
func fragments(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ':' || s[i] == ',' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// answer writes one turn's successful (or in-stream failing) answer.
type answer struct {
	s       *Server
	w       http.ResponseWriter
	rc      *http.ResponseController
	n       int
	ctx     context.Context
	turn    Turn
	req     glm.Request
	raw     []byte
	id      string
	logID   string
	created int64
	sent    int // stream events written
}

func (a *answer) model() string {
	if a.req.Model != "" {
		return a.req.Model
	}
	return DefaultModel
}

func (a *answer) calls() []toolCallWire {
	var out []toolCallWire
	for i, c := range a.turn.ToolCalls {
		out = append(out, toolCallWire{ID: c.ID, Index: i, Type: "function",
			Function: functionWire{Name: c.Name, Arguments: c.Arguments}})
	}
	return out
}

// usage is the turn's usage, or small numbers computed from the request's size and the answer.
func (a *answer) usage() usageWire {
	var w usageWire
	t := a.turn
	if t.Usage != nil {
		u := *t.Usage
		if u.TotalTokens == 0 {
			u.TotalTokens = u.PromptTokens + u.CompletionTokens
		}
		w.PromptTokens, w.CompletionTokens, w.TotalTokens = u.PromptTokens, u.CompletionTokens, u.TotalTokens
		w.PromptTokensDetails.CachedTokens = u.CachedTokens
		w.CompletionTokensDetails.ReasoningTokens = u.ReasoningTokens
		return w
	}
	reasoning := len(words(t.Reasoning))
	completion := reasoning + len(words(t.Content))
	for _, c := range t.ToolCalls {
		completion += 1 + (len(c.Name)+len(c.Arguments)+3)/4
	}
	w.PromptTokens = max(len(a.raw)/4, 1)
	w.CompletionTokens = max(completion, 1)
	w.TotalTokens = w.PromptTokens + w.CompletionTokens
	w.CompletionTokensDetails.ReasoningTokens = reasoning
	return w
}

// json writes a non-streaming answer.
func (a *answer) json() {
	t := a.turn
	body, err := json.Marshal(completion{
		ID: a.id, RequestID: a.logID, Created: a.created, Model: a.model(), Object: "chat.completion",
		Choices: []choiceWire{{Index: 0, FinishReason: t.Finish, Message: messageWire{
			Role: glm.RoleAssistant, Content: t.Content, ReasoningContent: t.Reasoning, ToolCalls: a.calls()}}},
		Usage: a.usage(),
	})
	if err != nil {
		panic(err) // plain structs of strings and ints always marshal
	}
	h := a.w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("X-Log-Id", a.logID)
	a.s.update(a.n, func(rec *Recorded) { rec.Status = http.StatusOK })
	a.w.WriteHeader(http.StatusOK)
	_, _ = a.w.Write(body)
}

// stream writes a streamed answer: reasoning deltas, content deltas, tool calls (whole, or
// fragments with tool_stream), the final chunk with finish_reason and usage, and [DONE]. An
// in-stream error replaces everything after the content; Hang blocks there instead.
func (a *answer) stream() {
	t := a.turn
	a.rc = http.NewResponseController(a.w)
	h := a.w.Header()
	h.Set("Content-Type", "text/event-stream;charset=UTF-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Log-Id", a.logID)
	a.s.update(a.n, func(rec *Recorded) { rec.Status = http.StatusOK })
	a.w.WriteHeader(http.StatusOK)
	if a.rc.Flush() != nil {
		return
	}
	for _, p := range words(t.Reasoning) {
		if !a.delta(delta{Role: glm.RoleAssistant, ReasoningContent: p}) {
			return
		}
	}
	for _, p := range words(t.Content) {
		if !a.delta(delta{Role: glm.RoleAssistant, Content: &p}) {
			return
		}
	}
	if e := t.Error; e != nil {
		a.event(errorBody(e.Code, e.message()))
		return
	}
	if t.Hang {
		a.s.block(a.ctx)
		return
	}
	fragmented := a.req.ToolStream != nil && *a.req.ToolStream
	for _, c := range a.calls() {
		if !fragmented {
			if !a.delta(delta{ToolCalls: []toolCallWire{c}}) {
				return
			}
			continue
		}
		first := c
		first.Function.Arguments = ""
		if !a.delta(delta{ToolCalls: []toolCallWire{first}}) {
			return
		}
		for _, p := range fragments(c.Function.Arguments) {
			piece := toolCallWire{Index: c.Index, Function: functionWire{Arguments: p}}
			if !a.delta(delta{ToolCalls: []toolCallWire{piece}}) {
				return
			}
		}
	}
	empty := ""
	u := a.usage()
	final := a.marshal(chunk{ID: a.id, Created: a.created, Object: "chat.completion.chunk", Model: a.model(),
		Choices: []chunkChoice{{Index: 0, FinishReason: t.Finish, Delta: delta{Role: glm.RoleAssistant, Content: &empty}}},
		Usage:   &u})
	if !a.event(final) || t.RepeatFinal && !a.event(final) {
		return
	}
	a.event([]byte("[DONE]"))
}

// rawSSE writes the turn's recorded body pieces as they are, one write and flush each.
func (a *answer) rawSSE() {
	a.rc = http.NewResponseController(a.w)
	h := a.w.Header()
	h.Set("Content-Type", "text/event-stream;charset=UTF-8")
	h.Set("X-Log-Id", a.logID)
	a.s.update(a.n, func(rec *Recorded) { rec.Status = http.StatusOK })
	a.w.WriteHeader(http.StatusOK)
	for i, piece := range a.turn.RawSSE {
		if i > 0 && !a.s.pause(a.ctx, a.turn.ChunkDelay) {
			return
		}
		if _, err := io.WriteString(a.w, piece); err != nil || a.rc.Flush() != nil {
			return
		}
	}
}

// delta sends a chunk with one choice carrying d.
func (a *answer) delta(d delta) bool {
	return a.event(a.marshal(chunk{ID: a.id, Created: a.created, Object: "chat.completion.chunk", Model: a.model(),
		Choices: []chunkChoice{{Index: 0, Delta: d}}}))
}

func (a *answer) marshal(c chunk) []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain structs of strings and ints always marshal
	}
	return b
}

// event writes one "data:" event after the turn's ChunkDelay, and reports whether the stream
// may go on (the client and the server are still there).
func (a *answer) event(data []byte) bool {
	if a.sent > 0 && !a.s.pause(a.ctx, a.turn.ChunkDelay) {
		return false
	}
	a.sent++
	line := make([]byte, 0, len(data)+8)
	line = append(line, "data: "...)
	line = append(line, data...)
	line = append(line, "\n\n"...)
	if _, err := a.w.Write(line); err != nil {
		return false
	}
	if a.rc.Flush() != nil {
		return false
	}
	select {
	case <-a.s.done:
		return false
	default:
		return a.ctx.Err() == nil
	}
}
