package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
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

// OpenAIMessage is one message of a chat-completions request as GLM and
// OpenAI-compatible endpoints take it: content is always a string (""
// included, for an assistant turn that only called tools).
type OpenAIMessage struct {
	Role             string           `json:"role"`
	Content          string           `json:"content"`
	ReasoningContent string           `json:"reasoning_content,omitempty"`
	ToolCalls        []OpenAIToolCall `json:"tool_calls,omitempty"`
	ToolCallID       string           `json:"tool_call_id,omitempty"`
}

// OpenAIToolCall is an assistant's function call.
type OpenAIToolCall struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"` // always "function"
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction names the function; Arguments is JSON text.
type OpenAIFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// OpenAIMessages is the conversation as the messages array of a
// chat-completions request, ready to be sent again.
func (t *Transcript) OpenAIMessages() ([]OpenAIMessage, error) {
	out := make([]OpenAIMessage, 0, len(t.Messages))
	for _, m := range t.Messages {
		om := OpenAIMessage{Role: m.Role, Content: m.Content, ReasoningContent: m.Reasoning, ToolCallID: m.ToolCallID}
		calls, err := ParseToolCalls(m.ToolCalls)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", m.Seq, err)
		}
		for _, c := range calls {
			om.ToolCalls = append(om.ToolCalls, OpenAIToolCall{ID: c.ID, Type: "function",
				Function: OpenAIFunction{Name: c.Name, Arguments: c.Arguments}})
		}
		out = append(out, om)
	}
	return out, nil
}

// WriteMarkdown writes the transcript as a Markdown document for reading:
// a header with its facts, then each message under its role, reasoning
// folded in <details>, tool calls with their arguments, and tool results
// with their outcome and time.
func (t *Transcript) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	heading := t.Title
	if heading == "" {
		heading = "Transcript " + t.ID
	}
	fmt.Fprintf(&b, "# %s\n\n", oneLine(heading))
	fmt.Fprintf(&b, "- **id:** `%s`\n- **created:** %s\n- **status:** %s\n", t.ID, t.Created.Format(time.RFC3339), t.Status)
	if t.Error != "" {
		fmt.Fprintf(&b, "- **error:** %s\n", oneLine(t.Error))
	}
	fmt.Fprintf(&b, "- **model:** %s (%s, %s)\n", t.Model, t.Provider, t.BaseURL)
	fmt.Fprintf(&b, "- **steps:** %d; **usage:** %s\n", t.Steps, UsageText(t.Usage))
	if t.ParentID != "" {
		fmt.Fprintf(&b, "- **%s of:** `%s`\n", t.Relation, t.ParentID)
	}
	names := map[string]string{}
	for _, m := range t.Messages {
		calls, err := ParseToolCalls(m.ToolCalls)
		if err != nil {
			return fmt.Errorf("message %d: %w", m.Seq, err)
		}
		t.markdownMessage(&b, m, calls, names)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (t *Transcript) markdownMessage(b *strings.Builder, m Message, calls []ToolCall, names map[string]string) {
	if m.Role == "tool" {
		fmt.Fprintf(b, "\n## Tool result: `%s` (`%s`)", names[m.ToolCallID], m.ToolCallID)
		if e, ok := t.Execution(m.ToolCallID); ok {
			fmt.Fprintf(b, ", %s in %s", e.Outcome(), e.Duration.Round(time.Microsecond))
		}
		fmt.Fprintf(b, "\n\n%s", fenced(m.Content, ""))
		return
	}
	fmt.Fprintf(b, "\n## %s\n", strings.ToUpper(m.Role[:1])+m.Role[1:])
	if m.Reasoning != "" {
		fmt.Fprintf(b, "\n<details><summary>Reasoning</summary>\n\n%s\n\n</details>\n", strings.TrimSpace(m.Reasoning))
	}
	if m.Content != "" {
		fmt.Fprintf(b, "\n%s\n", strings.TrimSpace(m.Content))
	}
	for _, c := range calls {
		names[c.ID] = c.Name
		fmt.Fprintf(b, "\n**Tool call** `%s` (`%s`)\n\n%s", c.Name, c.ID, fenced(indentJSON(c.Arguments), "json"))
	}
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

// fenced puts s in a code fence longer than any run of backticks inside it.
func fenced(s, lang string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n"
}

// indentJSON indents JSON text for reading, leaving other text as it is.
func indentJSON(s string) string {
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(s), "", "  ") != nil {
		return s
	}
	return buf.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
