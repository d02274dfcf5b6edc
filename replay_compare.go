package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
)

// replayOffline runs every recorded tool call again and compares.
func (a *app) replayOffline(ctx context.Context, t *store.Transcript, runner *bridge.Runner) error {
	msgs, err := conversation.WireMessages(t)
	if err != nil {
		return err
	}
	recorded := map[string]string{}
	for _, m := range msgs {
		if m.Role == glm.RoleTool {
			recorded[m.ToolCallID] = m.Content
		}
	}
	var same, changed, failed int
	fmt.Fprintf(a.stdout, "replay of %s (%q): tool calls run again against today's tools\n", t.ID, shorten(t.Title, 60))
	for _, m := range msgs {
		for _, call := range m.ToolCalls {
			want, ok := recorded[call.ID]
			got, isErr := runner.Execute(ctx, call)
			if err := ctx.Err(); err != nil {
				return &exitCodeError{code: exitInterrupted, err: err}
			}
			label := fmt.Sprintf("%s %s", call.ID, callLabel(call))
			switch {
			case !ok:
				failed++
				fmt.Fprintf(a.stdout, "  failed   %s: no recorded result\n", label)
			case normalizeResult(got) == normalizeResult(want):
				same++
				fmt.Fprintf(a.stdout, "  same     %s\n", label)
			case isErr && !recordedError(t, call.ID):
				failed++
				fmt.Fprintf(a.stdout, "  failed   %s\n%s", label, shortDiff(normalizeResult(want), normalizeResult(got)))
			default:
				changed++
				fmt.Fprintf(a.stdout, "  changed  %s\n%s", label, shortDiff(normalizeResult(want), normalizeResult(got)))
			}
		}
	}
	fmt.Fprintf(a.stdout, "%d same, %d changed, %d failed\n", same, changed, failed)
	if changed+failed > 0 {
		return &exitCodeError{code: exitError, err: errShown}
	}
	return nil
}

// volatileKeys are result fields that differ from run to run by nature.
var volatileKeys = map[string]bool{"elapsed_ms": true, "duration_ms": true, "took_ms": true, "latency_ms": true}

// normalizeResult makes a result comparable: JSON is re-encoded indented,
// with volatile fields dropped, so a difference shows line by line.
func normalizeResult(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, err := json.MarshalIndent(dropVolatile(v), "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}

func dropVolatile(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if volatileKeys[k] {
				delete(v, k)
			} else {
				v[k] = dropVolatile(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = dropVolatile(x)
		}
	}
	return v
}

// shortDiff shows the lines that differ, at most a few of each side.
func shortDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	start := 0
	for start < len(wl) && start < len(gl) && wl[start] == gl[start] {
		start++
	}
	ew, eg := len(wl), len(gl)
	for ew > start && eg > start && wl[ew-1] == gl[eg-1] {
		ew--
		eg--
	}
	var b strings.Builder
	const most = 6
	for i, l := range wl[start:ew] {
		if i == most {
			fmt.Fprintf(&b, "      - … (%d more)\n", ew-start-most)
			break
		}
		fmt.Fprintf(&b, "      - %s\n", shorten(l, 160))
	}
	for i, l := range gl[start:eg] {
		if i == most {
			fmt.Fprintf(&b, "      + … (%d more)\n", eg-start-most)
			break
		}
		fmt.Fprintf(&b, "      + %s\n", shorten(l, 160))
	}
	return b.String()
}

// recordedError reports whether the recorded call ended in an error.
func recordedError(t *store.Transcript, callID string) bool {
	e, ok := t.Execution(callID)
	return ok && e.IsError
}
