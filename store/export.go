package store

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ToolCall is one call of an assistant message's tool_calls, with its
// arguments as the JSON text the model wrote.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// ParseToolCalls reads a stored tool_calls array. Arguments may be a JSON
// string (the wire format) or an object (one published schema says so).
func ParseToolCalls(raw json.RawMessage) ([]ToolCall, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var wire []struct {
		ID       string `json:"id"`
		Function struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, fmt.Errorf("tool calls: %w", err)
	}
	out := make([]ToolCall, len(wire))
	for i, w := range wire {
		args := string(bytes.TrimSpace(w.Function.Arguments))
		switch {
		case args == "" || args == "null":
			args = "{}"
		case args[0] == '"':
			if err := json.Unmarshal(w.Function.Arguments, &args); err != nil {
				return nil, fmt.Errorf("tool call %s: arguments: %w", w.ID, err)
			}
		}
		out[i] = ToolCall{ID: w.ID, Name: w.Function.Name, Arguments: args}
	}
	return out, nil
}

// Execution returns the last recorded run of the tool call callID.
func (t *Transcript) Execution(callID string) (ToolExecution, bool) {
	for i := len(t.ToolExecutions) - 1; i >= 0; i-- {
		if t.ToolExecutions[i].CallID == callID {
			return t.ToolExecutions[i], true
		}
	}
	return ToolExecution{}, false
}

// UsageText is a short line of token counts: "1234 tokens (prompt 1000,
// completion 234, reasoning 100, cached 20)".
func UsageText(u Usage) string {
	s := fmt.Sprintf("%d tokens (prompt %d, completion %d", u.TotalTokens, u.PromptTokens, u.CompletionTokens)
	if u.ReasoningTokens > 0 {
		s += fmt.Sprintf(", reasoning %d", u.ReasoningTokens)
	}
	if u.CachedTokens > 0 {
		s += fmt.Sprintf(", cached %d", u.CachedTokens)
	}
	return s + ")"
}
