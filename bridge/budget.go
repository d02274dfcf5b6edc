package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// Token estimates. GLM's tokenizer is not public; these figures were tuned
// against the usage.prompt_tokens of the recorded requests in
// bridge/glm/testdata (TestEstimateTokens_Fixtures reports the error).
const (
	bytesPerToken   = 4  // ASCII text, code and JSON average about 4 bytes a token
	messageOverhead = 2  // role markers around each message
	callOverhead    = 8  // markers around each tool call
	toolsOverhead   = 70 // the template's preamble when tools are offered
	toolOverhead    = 45 // the template's words around each tool's definition
)

// EstimateTokens estimates how many prompt tokens msgs take: ASCII bytes
// over four plus one token per other character, plus a few per message and
// per tool call. It is cheap (one pass over the text) and meant for
// budgeting, not billing.
func EstimateTokens(msgs []glm.Message) int {
	n := 0
	for i := range msgs {
		n += messageTokens(&msgs[i])
	}
	return n
}

func messageTokens(m *glm.Message) int {
	n := messageOverhead + textTokens(m.Content) + textTokens(m.ReasoningContent)
	for _, c := range m.ToolCalls {
		n += callOverhead + textTokens(c.Function.Name) + textTokens(c.Function.Arguments)
	}
	return n
}

// EstimateRequestTokens estimates the prompt tokens of a whole request: its
// messages and the definitions of its tools.
func EstimateRequestTokens(req glm.Request) int {
	return EstimateTokens(req.Messages) + estimateTools(req.Tools)
}

func estimateTools(tools []glm.Tool) int {
	if len(tools) == 0 {
		return 0
	}
	n := toolsOverhead
	for _, t := range tools {
		n += toolOverhead + textTokens(t.Function.Name) + textTokens(t.Function.Description) + schemaTokens(t.Function.Parameters)
	}
	return n
}

// schemaTokens counts a schema without its layout (the endpoint renders it
// compact whatever whitespace it came with).
func schemaTokens(raw []byte) int {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return textTokens(string(raw))
	}
	return textTokens(b.String())
}

// textTokens counts ASCII bytes over bytesPerToken (rounded up) plus one
// token per non-ASCII character (CJK text runs near one token a character).
func textTokens(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b < utf8.RuneSelf:
			ascii++
		case b >= 0xC0: // the first byte of a multi-byte character
			other++
		}
	}
	return (ascii+bytesPerToken-1)/bytesPerToken + other
}

// Elision is one tool result replaced by a note.
type Elision struct {
	Index     int    // the tool message's index in the conversation
	CallID    string // the call it answers
	Tool      string // the function name the model called
	Arguments string // as the model sent them
	Chars     int    // characters of the result that were elided
	Tokens    int    // estimated tokens saved
}

// CompactReport says what a compaction did; token counts are estimates.
type CompactReport struct {
	Before, After int
	Elided        []Elision
}

// String says what was elided and by how much the conversation shrank.
func (r CompactReport) String() string {
	if len(r.Elided) == 0 {
		return fmt.Sprintf("nothing to compact (about %d tokens)", r.Before)
	}
	return fmt.Sprintf("elided %d tool %s: about %d tokens before, %d after",
		len(r.Elided), plural("result", len(r.Elided)), r.Before, r.After)
}

// elisionPrefix starts every note that replaces a result, so that a result
// is never elided twice.
const elisionPrefix = "[result elided to fit the context window: "

// IsElided reports whether m is a tool message whose result compaction
// replaced with a note.
func IsElided(m glm.Message) bool {
	return m.Role == glm.RoleTool && strings.HasPrefix(m.Content, elisionPrefix)
}

func elisionNote(call glm.ToolCall, chars int) string {
	args := quoteShort(call.Function.Arguments, 300)
	if strings.TrimSpace(args) == "" {
		args = "{}"
	}
	return fmt.Sprintf("%s%s %s returned %d characters here. Call %s again with the same arguments to see it.]",
		elisionPrefix, call.Function.Name, args, chars, call.Function.Name)
}

// Compact replaces the oldest tool results of msgs with short notes naming
// the call (tool and arguments) and how to get the result again, oldest
// first, until the estimate (EstimateTokens) is at most budget; budget 0
// elides every result it may. The latest turn (from the last user message
// on) is kept whole, as are system, user and assistant messages, so no call
// loses its result or the other way round. msgs is not changed.
func Compact(msgs []glm.Message, budget int) ([]glm.Message, CompactReport) {
	out := append([]glm.Message(nil), msgs...)
	before := EstimateTokens(out)
	need := before - budget
	if budget <= 0 {
		need = before
	}
	elided := elide(out, need, lastIndex(out, func(m glm.Message) bool { return m.Role == glm.RoleUser }))
	return out, CompactReport{Before: before, After: EstimateTokens(out), Elided: elided}
}

// elide replaces tool results in msgs[:protect] with notes, oldest first,
// until the estimate has dropped by need tokens. It changes msgs in place.
func elide(msgs []glm.Message, need, protect int) []Elision {
	if need <= 0 || protect <= 0 {
		return nil
	}
	calls := map[string]glm.ToolCall{}
	var out []Elision
	for i := 0; i < protect && need > 0; i++ {
		m := &msgs[i]
		for _, c := range m.ToolCalls {
			calls[c.ID] = c
		}
		if m.Role != glm.RoleTool || IsElided(*m) {
			continue
		}
		call, ok := calls[m.ToolCallID]
		if !ok {
			continue
		}
		old := messageTokens(m)
		chars := utf8.RuneCountInString(m.Content)
		note := elisionNote(call, chars)
		if len(note) >= len(m.Content) {
			continue // a short result costs no more than its note
		}
		m.Content = note
		saved := old - messageTokens(m)
		need -= saved
		out = append(out, Elision{Index: i, CallID: call.ID, Tool: call.Function.Name, Arguments: call.Function.Arguments, Chars: chars, Tokens: saved})
	}
	return out
}

// lastIndex returns the index of the last message that matches, or 0.
func lastIndex(msgs []glm.Message, match func(glm.Message) bool) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if match(msgs[i]) {
			return i
		}
	}
	return 0
}

// latestRound is where the part of a request that is never elided starts:
// the last user message or the last assistant message with tool calls,
// whichever is later. Inside a long tool loop only the latest round of
// results is kept whole.
func latestRound(msgs []glm.Message) int {
	return lastIndex(msgs, func(m glm.Message) bool {
		return m.Role == glm.RoleUser || m.Role == glm.RoleAssistant && len(m.ToolCalls) > 0
	})
}
