package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// renderer shows a run: the answer on stdout as it streams, and reasoning,
// tool calls and the closing line on stderr, so that `ask ... > answer.txt`
// keeps only the answer.
type renderer interface {
	prompt(text string) // a prompt put to the model (replay --live shows each)
	note(text string)   // a line about the run: chat's footer, a cancelled turn
	event(ev bridge.Event)
	done(d doneInfo)
}

// doneInfo is what the closing line or event reports.
type doneInfo struct {
	Status     string    `json:"status"`
	Transcript string    `json:"transcript,omitempty"`
	Steps      int       `json:"steps"`
	Usage      glm.Usage `json:"usage"`
	Cost       *float64  `json:"cost_usd,omitempty"`
	Error      string    `json:"error,omitempty"`
	Elapsed    float64   `json:"elapsed_ms"`
	start      time.Time
	model      string
}

// textRenderer writes for a person; on a terminal each tool call is one live
// line, rewritten in place with its outcome and time.
type textRenderer struct {
	out, errw     io.Writer
	tty           bool
	hideReasoning bool
	width         func() int // the terminal's width when stderr is one, else nil

	mu          sync.Mutex
	inReasoning bool
	atLineStart bool
	toolLines   map[string]int // call id -> line number in the current block
	lines       int            // lines printed in the current tool block
}

const (
	dim   = "\x1b[2m"
	reset = "\x1b[0m"
)

func (r *textRenderer) event(ev bridge.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Kind {
	case bridge.EventStepStart:
		r.toolLines, r.lines = map[string]int{}, 0
	case bridge.EventReasoning:
		if r.hideReasoning {
			return
		}
		if !r.inReasoning && r.tty {
			fmt.Fprint(r.errw, dim)
		}
		r.inReasoning = true
		fmt.Fprint(r.errw, ev.Text)
	case bridge.EventContent:
		r.endReasoning()
		fmt.Fprint(r.out, ev.Text)
		r.atLineStart = strings.HasSuffix(ev.Text, "\n")
	case bridge.EventToolStart:
		r.endReasoning()
		r.endContentLine()
		if r.tty {
			r.toolLines[ev.Call.ID] = r.lines
			r.lines++
			fmt.Fprintf(r.errw, "  ⋯ %s\n", callLabel(ev.Call))
		}
	case bridge.EventNudge:
		r.endReasoning()
		r.endContentLine()
		fmt.Fprintf(r.errw, "%s(the model answered without the tool --tool-choice asks for; asking it again)%s\n", dimIf(r.tty), resetIf(r.tty))
	case bridge.EventCompact:
		if ev.Compact != nil {
			r.endReasoning()
			r.endContentLine()
			fmt.Fprintf(r.errw, "%s(context: %s)%s\n", dimIf(r.tty), ev.Compact, resetIf(r.tty))
		}
	case bridge.EventToolResult:
		line := r.resultLine(ev)
		n, ok := r.toolLines[ev.Call.ID]
		if !r.tty || !ok {
			fmt.Fprintln(r.errw, line)
			return
		}
		up := r.lines - n
		fmt.Fprintf(r.errw, "\x1b[%dA\r\x1b[2K%s\x1b[%dB\r", up, line, up)
	}
}

// lineWidth keeps a live tool line on one terminal row, so it can be rewritten in place.
const lineWidth = 78

// resultLine is a finished tool call's line: mark, name, short arguments, time
// and, for an error, the start of the message.
func (r *textRenderer) resultLine(ev bridge.Event) string {
	head := fmt.Sprintf("  %s %s", mark(ev.IsError), shorten(callLabel(ev.Call), 48))
	dur := "(" + fmtDur(ev.Duration) + ")"
	line := head + " " + dimIf(r.tty) + dur + resetIf(r.tty)
	if ev.IsError {
		if room := lineWidth - utf8.RuneCountInString(head) - len(dur) - 2; room > 10 {
			line += " " + shorten(firstLineOf(ev.Result), room)
		}
	}
	return line
}

func (r *textRenderer) endReasoning() {
	if r.inReasoning {
		if r.tty {
			fmt.Fprint(r.errw, reset)
		}
		fmt.Fprintln(r.errw)
		r.inReasoning = false
	}
}

func (r *textRenderer) endContentLine() {
	if !r.atLineStart {
		fmt.Fprintln(r.out)
		r.atLineStart = true
	}
}

func (r *textRenderer) prompt(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endReasoning()
	r.endContentLine()
	fmt.Fprintf(r.errw, "%s> %s%s\n", dimIf(r.tty), shorten(strings.ReplaceAll(text, "\n", " "), 200), resetIf(r.tty))
}

func (r *textRenderer) note(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endReasoning()
	r.endContentLine()
	if text != "" {
		fmt.Fprintf(r.errw, "%s%s%s\n", dimIf(r.tty), text, resetIf(r.tty))
	}
}

func (r *textRenderer) done(d doneInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endReasoning()
	r.endContentLine()
	if d.Error != "" {
		fmt.Fprintf(r.errw, "glm-mcp: %s\n", d.Error)
	}
	parts := []string{d.Status, count(d.Steps, "step"), usageLine(d.Usage, d.model), fmtDur(time.Since(d.start))}
	if d.Transcript != "" {
		parts = append(parts, "transcript "+d.Transcript)
	}
	line := strings.Join(parts, " · ")
	if r.width != nil {
		line = fitLines(r.width(), parts...)
	}
	fmt.Fprintf(r.errw, "%s%s%s\n", dimIf(r.tty), line, resetIf(r.tty))
}

// jsonRenderer prints one JSON event per line on stdout.
type jsonRenderer struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (r *jsonRenderer) write(v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.enc.Encode(v)
}

func (r *jsonRenderer) prompt(text string) {
	r.write(map[string]any{"type": "prompt", "text": text})
}

func (r *jsonRenderer) note(text string) {
	if text == "" {
		return
	}
	r.write(map[string]any{"type": "note", "text": text})
}

func (r *jsonRenderer) event(ev bridge.Event) {
	switch ev.Kind {
	case bridge.EventStepStart:
		r.write(map[string]any{"type": "step_start", "step": ev.Step})
	case bridge.EventReasoning:
		r.write(map[string]any{"type": "reasoning", "step": ev.Step, "text": ev.Text})
	case bridge.EventContent:
		r.write(map[string]any{"type": "content", "step": ev.Step, "text": ev.Text})
	case bridge.EventToolStart:
		r.write(map[string]any{"type": "tool_call", "step": ev.Step, "id": ev.Call.ID, "name": ev.Call.Function.Name, "arguments": ev.Call.Function.Arguments})
	case bridge.EventToolResult:
		r.write(map[string]any{"type": "tool_result", "step": ev.Step, "id": ev.Call.ID, "name": ev.Call.Function.Name, "is_error": ev.IsError,
			"duration_ms": float64(ev.Duration.Microseconds()) / 1000, "result": ev.Result})
	case bridge.EventUsage:
		u := map[string]any{"type": "usage", "step": ev.Step, "usage": ev.Usage}
		if ev.ContextWindow > 0 {
			u["context_used"], u["context_window"] = ev.ContextUsed, ev.ContextWindow
		}
		r.write(u)
	case bridge.EventNudge:
		r.write(map[string]any{"type": "nudge", "step": ev.Step})
	case bridge.EventCompact:
		if ev.Compact != nil {
			r.write(map[string]any{"type": "compact", "step": ev.Step, "elided": len(ev.Compact.Elided), "tokens_before": ev.Compact.Before, "tokens_after": ev.Compact.After})
		}
	}
}

func (r *jsonRenderer) done(d doneInfo) {
	d.Elapsed = float64(time.Since(d.start).Microseconds()) / 1000
	r.write(struct {
		Type string `json:"type"`
		doneInfo
	}{"done", d})
}

func callLabel(c glm.ToolCall) string {
	return c.Function.Name + " " + shorten(strings.Join(strings.Fields(c.Function.Arguments), " "), 60)
}

func mark(isError bool) string {
	if isError {
		return "✗"
	}
	return "✓"
}

func dimIf(tty bool) string {
	if tty {
		return dim
	}
	return ""
}

func resetIf(tty bool) string {
	if tty {
		return reset
	}
	return ""
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// count writes n things: "1 step", "2 steps".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
