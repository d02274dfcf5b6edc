package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
)

// writeMarkdown writes the transcript as a Markdown document for reading:
// a header with its facts, then each message under its role, reasoning
// folded in <details>, tool calls with their arguments, and tool results
// with their outcome and time.
func writeMarkdown(w io.Writer, t *store.Transcript) error {
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
	fmt.Fprintf(&b, "- **steps:** %d; **usage:** %s\n", t.Steps, store.UsageText(t.Usage))
	if t.ParentID != "" {
		fmt.Fprintf(&b, "- **%s of:** `%s`\n", t.Relation, t.ParentID)
	}
	names := map[string]string{}
	for _, m := range t.Messages {
		calls, err := store.ParseToolCalls(m.ToolCalls)
		if err != nil {
			return fmt.Errorf("message %d: %w", m.Seq, err)
		}
		markdownMessage(&b, t, m, calls, names)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownMessage(b *strings.Builder, t *store.Transcript, m store.Message, calls []store.ToolCall, names map[string]string) {
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
