package glm

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Request is the body of POST /chat/completions. Optional numbers are pointers so that an unset
// field is left out of the JSON rather than sent as zero; the tags are the wire names.
type Request struct {
	// Model defaults to Config.Model, then to the profile's model.
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
	Tools    []Tool    `json:"tools,omitempty"`
	// ToolChoice is sent only when set; the endpoint's default is auto with tools, none without.
	ToolChoice        *ToolChoice `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool       `json:"parallel_tool_calls,omitempty"`
	// MaxTokens bounds the answer; MaxCompletionTokens also counts reasoning tokens.
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
	N                   *int            `json:"n,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty,omitempty"`
	PresencePenalty     *float64        `json:"presence_penalty,omitempty"`
	ResponseFormat      *ResponseFormat `json:"response_format,omitempty"`
	// Thinking and ToolStream are GLM's own; Profile.Check refuses them where not taken.
	Thinking   *Thinking `json:"thinking,omitempty"`
	ToolStream *bool     `json:"tool_stream,omitempty"`
	// ReasoningEffort is one of ReasoningEfforts ("high", …); empty leaves it out. Z.ai's coding
	// endpoint answered it with 200 (request_glm47flash_reasoning_effort.json).
	ReasoningEffort string `json:"reasoning_effort,omitempty"`
	// Seed asks for reproducible sampling where the endpoint supports it.
	Seed     *int     `json:"seed,omitempty"`
	DoSample *bool    `json:"do_sample,omitempty"`
	Stop     []string `json:"stop,omitempty"`
	// RequestID is the caller's id for the request; the server echoes it in request_id.
	RequestID string `json:"request_id,omitempty"`
	// UserID identifies the end user to the provider (6 to 128 characters).
	UserID string `json:"user_id,omitempty"`
}

// StreamOptions asks an OpenAI-style gateway for usage in the final chunk.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Thinking switches GLM's reasoning on or off.
type Thinking struct {
	// Type is "enabled" or "disabled".
	Type string `json:"type"`
	// ClearThinking false keeps earlier turns' reasoning ("preserved thinking").
	ClearThinking *bool `json:"clear_thinking,omitempty"`
}

// ResponseFormat constrains the answer's format.
type ResponseFormat struct {
	// Type is FormatText, FormatJSONObject or FormatJSONSchema.
	Type       string      `json:"type"`
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is the json_schema response format's payload.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// Message is one turn of the conversation, as sent and as received. Content is always sent,
// even when empty, because an assistant turn must be echoed back unchanged ("" included).
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
	// ReasoningContent is the model's reasoning, whichever field it came in (GLM's
	// reasoning_content, or OpenRouter's reasoning); echo it back with tool results.
	ReasoningContent string `json:"reasoning_content,omitempty"`
	// ReasoningDetails is OpenRouter's structured reasoning (reasoning_details), assembled from
	// the stream. When set, the message is sent back the way OpenRouter expects: the text as
	// "reasoning" beside "reasoning_details", and no reasoning_content.
	ReasoningDetails json.RawMessage `json:"reasoning_details,omitempty"`
	ToolCalls        []ToolCall      `json:"tool_calls,omitempty"`
	// ToolCallID ties a tool message to the call it answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	Name       string `json:"name,omitempty"`
}

// messageWire is Message on the wire; T is the tool-call type (sent without index, or the
// response shape with it).
type messageWire[T any] struct {
	Role             string          `json:"role"`
	Content          string          `json:"content"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	Reasoning        string          `json:"reasoning,omitempty"`
	ReasoningDetails json.RawMessage `json:"reasoning_details,omitempty"`
	ToolCalls        []T             `json:"tool_calls,omitempty"`
	ToolCallID       string          `json:"tool_call_id,omitempty"`
	Name             string          `json:"name,omitempty"`
}

func wireMessage[T any](m Message, calls []T) messageWire[T] {
	w := messageWire[T]{Role: m.Role, Content: m.Content, ReasoningContent: m.ReasoningContent,
		ReasoningDetails: m.ReasoningDetails, ToolCalls: calls, ToolCallID: m.ToolCallID, Name: m.Name}
	if len(bytes.TrimSpace(m.ReasoningDetails)) > 0 {
		w.Reasoning, w.ReasoningContent = m.ReasoningContent, ""
	}
	return w
}

// MarshalJSON writes the reasoning in the field the provider sent it in (see ReasoningDetails).
func (m Message) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireMessage(m, m.ToolCalls))
}

// UnmarshalJSON reads reasoning from reasoning_content or, failing that, from OpenRouter's
// reasoning field.
func (m *Message) UnmarshalJSON(b []byte) error {
	var w messageWire[ToolCall]
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = Message{Role: w.Role, Content: w.Content, ReasoningContent: w.ReasoningContent,
		ReasoningDetails: w.ReasoningDetails, ToolCalls: w.ToolCalls, ToolCallID: w.ToolCallID, Name: w.Name}
	if m.ReasoningContent == "" {
		m.ReasoningContent = w.Reasoning
	}
	if bytes.Equal(bytes.TrimSpace(m.ReasoningDetails), []byte("null")) {
		m.ReasoningDetails = nil
	}
	return nil
}

// ToolCall is a function call the model asked for. Index is its position among the message's
// calls; it is read from responses but not sent back (the recorded real requests omit it).
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
	Index    int          `json:"-"`
}

// FunctionCall names the function and carries its arguments as a JSON text.
type FunctionCall struct {
	Name string `json:"name"`
	// Arguments is JSON text as the model wrote it (not checked here).
	Arguments string `json:"arguments"`
}

// UnmarshalJSON accepts arguments as a JSON string (the wire format) or as an object (one
// published schema says object); an object is kept as its JSON text.
func (f *FunctionCall) UnmarshalJSON(b []byte) error {
	var w struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	args, err := argumentsText(w.Arguments)
	if err != nil {
		return err
	}
	f.Name, f.Arguments = w.Name, args
	return nil
}

// UnmarshalJSON reads a tool call including its index, which MarshalJSON leaves out.
func (t *ToolCall) UnmarshalJSON(b []byte) error {
	var w struct {
		ID       string       `json:"id"`
		Type     string       `json:"type"`
		Function FunctionCall `json:"function"`
		Index    *int         `json:"index"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = ToolCall{ID: w.ID, Type: w.Type, Function: w.Function}
	if w.Index != nil {
		t.Index = *w.Index
	}
	return nil
}

// argumentsText turns a raw "arguments" value into the JSON text it stands for.
func argumentsText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("tool call arguments: %w", err)
		}
		return s, nil
	}
	return string(raw), nil
}

// Tool offers a function to the model.
type Tool struct {
	// Type is "function"; empty is sent as "function".
	Type     string   `json:"type"`
	Function Function `json:"function"`
}

// MarshalJSON fills in the type.
func (t Tool) MarshalJSON() ([]byte, error) {
	type plain Tool
	if t.Type == "" {
		t.Type = "function"
	}
	return json.Marshal(plain(t))
}

// Function describes a callable function; Parameters is a JSON Schema object.
type Function struct {
	Name        string          `json:"name"`
	Strict      *bool           `json:"strict,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// ToolChoice is "none", "auto", "required", or a named function. It marshals as a string or as
// {"type":"function","function":{"name":…}}.
type ToolChoice struct {
	// Mode is ToolChoiceNone, ToolChoiceAuto or ToolChoiceRequired; ignored when Function is set.
	Mode string
	// Function forces a call of the function with this name.
	Function string
}

// ChooseMode returns a tool choice of "none", "auto" or "required".
func ChooseMode(mode string) *ToolChoice { return &ToolChoice{Mode: mode} }

// ChooseFunction returns a tool choice that forces a call of the named function.
func ChooseFunction(name string) *ToolChoice { return &ToolChoice{Function: name} }

// capability is the ToolChoices entry this choice needs.
func (tc ToolChoice) capability() string {
	if tc.Function != "" {
		return ToolChoiceNamed
	}
	return tc.Mode
}

// String returns the mode, or "function NAME".
func (tc ToolChoice) String() string {
	if tc.Function != "" {
		return fmt.Sprintf("function %q", tc.Function)
	}
	return fmt.Sprintf("%q", tc.Mode)
}

type namedChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// MarshalJSON writes the string or object form.
func (tc ToolChoice) MarshalJSON() ([]byte, error) {
	if tc.Function == "" {
		return json.Marshal(tc.Mode)
	}
	var n namedChoice
	n.Type = "function"
	n.Function.Name = tc.Function
	return json.Marshal(n)
}

// UnmarshalJSON reads either form.
func (tc *ToolChoice) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*tc = ToolChoice{Mode: s}
		return nil
	}
	var n namedChoice
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("tool_choice: %w", err)
	}
	*tc = ToolChoice{Function: n.Function.Name}
	return nil
}

// Ptr returns a pointer to v, for the optional fields of Request.
func Ptr[T any](v T) *T { return &v }
