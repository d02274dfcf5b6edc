package glm

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Documented limits of GLM's chat-completions parameters (GLM-API.md).
const (
	MaxTokensLimit = 131072
	MaxTools       = 128
	minUserID      = 6
	maxUserID      = 128
)

// ParamError is a request parameter refused before sending. Msg states the allowed values.
type ParamError struct {
	Param string
	Msg   string
}

// Error names the parameter and the allowed values.
func (e *ParamError) Error() string { return "glm: " + e.Param + ": " + e.Msg }

var toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// Validate checks the request against GLM's documented ranges and the conversation rules whose
// breach the endpoint answers with error 1210 or 1214. Every problem is reported (joined), each
// as a *ParamError that states the allowed range.
func (r *Request) Validate() error {
	v := &validator{}
	v.outputLimit("max_tokens", r.Model, r.MaxTokens)
	v.outputLimit("max_completion_tokens", r.Model, r.MaxCompletionTokens)
	if r.N != nil && *r.N < 1 {
		v.bad("n", "%d is out of range: allowed 1 or more", *r.N)
	}
	v.float("temperature", r.Temperature, 0, 1)
	v.float("top_p", r.TopP, 0.01, 1)
	v.float("frequency_penalty", r.FrequencyPenalty, -2, 2)
	v.float("presence_penalty", r.PresencePenalty, -2, 2)
	for i, s := range r.Stop {
		if s == "" {
			v.bad("stop", "sequence %d is empty", i)
		}
	}
	if n := utf8.RuneCountInString(r.UserID); r.UserID != "" && (n < minUserID || n > maxUserID) {
		v.bad("user_id", "%d characters: allowed %d to %d", n, minUserID, maxUserID)
	}
	if t := r.Thinking; t != nil && t.Type != "enabled" && t.Type != "disabled" {
		v.bad("thinking", "type %q: allowed \"enabled\" or \"disabled\"", t.Type)
	}
	if r.ToolStream != nil && *r.ToolStream && !r.Stream {
		v.bad("tool_stream", "needs stream: true")
	}
	if r.ReasoningEffort != "" && !slices.Contains(ReasoningEfforts, r.ReasoningEffort) {
		v.bad("reasoning_effort", "%q: allowed %s", r.ReasoningEffort, strings.Join(ReasoningEfforts, ", "))
	}
	v.modelFeatures(r)
	v.responseFormat(r.ResponseFormat)
	v.tools(r)
	v.messages(r.Messages)
	return joinErrs(v.errs)
}

// ReasoningEfforts are the reasoning_effort values accepted: OpenAI's names, and "max", which
// GLM-5.x gateways list beside "xhigh".
var ReasoningEfforts = []string{"none", "minimal", "low", "medium", "high", "xhigh", "max"}

// ModelLimitError is a request that asks a known model (see LookupModel) for more output than
// it can give. It is refused before sending.
type ModelLimitError struct {
	// Param is the request field, "max_tokens" or "max_completion_tokens".
	Param string
	Model string
	// Value is what the request asked for; Limit is the model's MaxOutput.
	Value, Limit int
}

// Error names the field, the model and its limit.
func (e *ModelLimitError) Error() string {
	return fmt.Sprintf("glm: %s: %d is more than %s can give: its largest output is %d tokens",
		e.Param, e.Value, e.Model, e.Limit)
}

type validator struct{ errs []error }

// outputLimit checks a token bound against the model's largest output when the model is known,
// else against the documented MaxTokensLimit.
func (v *validator) outputLimit(param, model string, p *int) {
	m, ok := LookupModel(model)
	if !ok || p == nil || *p < 1 {
		v.intMin(param, p, 1, MaxTokensLimit)
		return
	}
	if *p > m.MaxOutput {
		v.errs = append(v.errs, &ModelLimitError{Param: param, Model: m.ID, Value: *p, Limit: m.MaxOutput})
	}
}

// modelFeatures refuses thinking and tool_stream for a known model that does not take them.
func (v *validator) modelFeatures(r *Request) {
	m, ok := LookupModel(r.Model)
	if !ok {
		return
	}
	if r.Thinking != nil && r.Thinking.Type == "enabled" && !m.Thinking {
		v.bad("thinking", "%s does not think", m.ID)
	}
	if r.ToolStream != nil && *r.ToolStream && !m.ToolStream {
		v.bad("tool_stream", "%s does not stream tool arguments (tool_stream is for GLM-4.6 and later)", m.ID)
	}
}

func (v *validator) bad(param, format string, args ...any) {
	v.errs = append(v.errs, &ParamError{Param: param, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) intMin(param string, p *int, lo, hi int) {
	if p != nil && (*p < lo || *p > hi) {
		v.bad(param, "%d is out of range: allowed %d to %d", *p, lo, hi)
	}
}

func (v *validator) float(param string, p *float64, lo, hi float64) {
	// The negated form also refuses NaN.
	if p != nil && !(*p >= lo && *p <= hi) {
		v.bad(param, "%g is out of range: allowed %g to %g", *p, lo, hi)
	}
}

func (v *validator) responseFormat(rf *ResponseFormat) {
	if rf == nil {
		return
	}
	switch rf.Type {
	case FormatText, FormatJSONObject:
	case FormatJSONSchema:
		if rf.JSONSchema == nil || !toolNameRE.MatchString(rf.JSONSchema.Name) {
			v.bad("response_format", "json_schema needs a name matching %s", toolNameRE)
		} else if s := rf.JSONSchema.Schema; len(s) > 0 && !isJSONObject(s) {
			v.bad("response_format", "json_schema.schema must be a JSON object")
		}
	default:
		v.bad("response_format", "type %q: allowed text, json_object or json_schema", rf.Type)
	}
}

func (v *validator) tools(r *Request) {
	if len(r.Tools) > MaxTools {
		v.bad("tools", "%d tools given: allowed at most %d", len(r.Tools), MaxTools)
	}
	names := make(map[string]bool, len(r.Tools))
	for i, t := range r.Tools {
		if t.Type != "" && t.Type != "function" {
			v.bad("tools", "tool %d has type %q: only \"function\" is allowed", i, t.Type)
		}
		if !toolNameRE.MatchString(t.Function.Name) {
			v.bad("tools", "tool %d name %q must match %s", i, t.Function.Name, toolNameRE)
		}
		if names[t.Function.Name] {
			v.bad("tools", "tool name %q appears twice", t.Function.Name)
		}
		names[t.Function.Name] = true
		if p := t.Function.Parameters; len(p) > 0 && !isJSONObject(p) {
			v.bad("tools", "tool %q parameters must be a JSON Schema object", t.Function.Name)
		}
	}
	tc := r.ToolChoice
	switch {
	case tc == nil:
	case len(r.Tools) == 0:
		v.bad("tool_choice", "set without tools (the endpoint answers 1210); leave it unset or send tools")
	case tc.Function != "":
		if !names[tc.Function] {
			v.bad("tool_choice", "names %q, which is not among the tools", tc.Function)
		}
	case tc.Mode != ToolChoiceNone && tc.Mode != ToolChoiceAuto && tc.Mode != ToolChoiceRequired:
		v.bad("tool_choice", "%q: allowed none, auto, required or a function name", tc.Mode)
	}
}

// messages checks what the endpoint refuses with 1214: an empty conversation, unknown roles,
// empty user content, two user or assistant turns in a row, tool results whose ids the
// preceding assistant turn did not issue, and calls left without exactly one result.
func (v *validator) messages(msgs []Message) {
	if len(msgs) == 0 {
		v.bad("messages", "empty: at least one message is needed")
		return
	}
	var open []string            // ids of the last assistant turn, in order
	answered := map[string]int{} // id -> number of results
	closeTurn := func(at int) {
		for _, id := range open {
			if answered[id] != 1 {
				v.bad("messages", "tool call %q of the assistant message before message %d has %d results: exactly one is needed", id, at, answered[id])
			}
		}
		open, answered = nil, map[string]int{}
	}
	for i, m := range msgs {
		if m.Role != RoleTool {
			closeTurn(i)
		}
		switch m.Role {
		case RoleSystem:
		case RoleUser:
			if m.Content == "" {
				v.bad("messages", "message %d: user content is empty", i)
			}
		case RoleAssistant:
			for _, tc := range m.ToolCalls {
				if tc.ID == "" || tc.Function.Name == "" {
					v.bad("messages", "message %d: a tool call needs the model's id and a name", i)
				}
				open = append(open, tc.ID)
			}
		case RoleTool:
			if _, ok := answered[m.ToolCallID]; !ok && !slices.Contains(open, m.ToolCallID) {
				v.bad("messages", "message %d: tool_call_id %q answers no call of the preceding assistant message", i, m.ToolCallID)
				continue
			}
			answered[m.ToolCallID]++
		default:
			v.bad("messages", "message %d: role %q: allowed system, user, assistant or tool", i, m.Role)
		}
		if i > 0 && m.Role == msgs[i-1].Role && (m.Role == RoleUser || m.Role == RoleAssistant) {
			v.bad("messages", "messages %d and %d are both %s (the endpoint answers 1214); merge them", i-1, i, m.Role)
		}
	}
	closeTurn(len(msgs))
}

func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
