package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// callResult is what one tool call sends back to the model.
type callResult struct {
	text    string
	isError bool
}

// runCalls runs the tool calls of one assistant message, concurrently (up to
// ToolConcurrency) when parallel calls are on, and appends one tool message
// per call id in the order of the calls, whatever happened to each.
func (st *runState) runCalls(ctx context.Context, calls []glm.ToolCall) error {
	results := make([]callResult, len(calls))
	for _, call := range calls { // announced in the order of the calls, before any runs
		st.emit(Event{Kind: EventToolStart, Step: st.res.Steps, Call: call})
	}
	if !st.ParallelToolCalls || st.ToolConcurrency == 1 {
		for i, call := range calls { // one by one, in order
			results[i] = st.runCall(ctx, call)
		}
	} else {
		sem := make(chan struct{}, st.ToolConcurrency)
		var wg sync.WaitGroup
		for i, call := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
				}
				results[i] = st.runCall(ctx, call)
			}()
		}
		wg.Wait()
	}
	st.toolRound = true
	var repeated string
	for i, call := range calls {
		if err := st.appendMessage(ctx, glm.Message{Role: glm.RoleTool, ToolCallID: call.ID, Content: results[i].text}); err != nil {
			return err
		}
		if results[i].isError {
			key := call.Function.Name + "\x00" + canonicalJSON(call.Function.Arguments)
			if st.failures[key]++; st.failures[key] >= repeatLimit && repeated == "" {
				repeated = fmt.Sprintf("%s(%s), %d times: %s", call.Function.Name, call.Function.Arguments, st.failures[key], firstLine(results[i].text))
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if repeated != "" {
		return fmt.Errorf("%w: %s", ErrRepeatedFailure, repeated)
	}
	return nil
}

// runCall checks and runs one call. It never panics and always has a result.
func (st *runState) runCall(ctx context.Context, call glm.ToolCall) (res callResult) {
	started := time.Now()
	var tool *Tool
	defer func() {
		if p := recover(); p != nil {
			res = callResult{text: fmt.Sprintf("the tool failed unexpectedly: %v", p), isError: true}
		}
		dur := time.Since(started)
		st.emit(Event{Kind: EventToolResult, Step: st.res.Steps, Call: call, Result: res.text, IsError: res.isError, Duration: dur})
		st.recordExecution(ctx, call, tool, res, started, dur)
	}()
	if ctx.Err() != nil {
		return callResult{text: "not run: the run was cancelled", isError: true}
	}
	tool, ok := st.Catalog.Lookup(call.Function.Name)
	if !ok {
		return callResult{text: fmt.Sprintf("unknown tool %q; the available tools are: %s", call.Function.Name, strings.Join(st.Catalog.Names(), ", ")), isError: true}
	}
	args, msg := parseArguments(tool, call.Function.Arguments)
	if msg != "" {
		return callResult{text: msg, isError: true}
	}
	if !tool.ReadOnly {
		ok, why := false, fmt.Sprintf("not run: %s may change things and needs the user's approval, and no one could be asked (run with --yes to allow such tools)", tool.Name)
		if st.Approve != nil {
			ok, why = st.Approve(ctx, tool, call.Function.Arguments)
		}
		if !ok {
			return callResult{text: why, isError: true}
		}
	}
	return st.callTool(ctx, tool, args)
}

// parseArguments decodes and validates a call's arguments. It returns a
// message for the model when they are not usable.
func parseArguments(tool *Tool, raw string) (map[string]any, string) {
	if strings.TrimSpace(raw) == "" {
		raw = "{}"
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, fmt.Sprintf("the arguments of %s are not valid JSON (%v); send a JSON object matching this schema: %s", tool.Name, err, tool.Params)
	}
	args, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Sprintf("the arguments of %s must be a JSON object matching this schema: %s", tool.Name, tool.Params)
	}
	if msg := tool.Validate(args); msg != "" {
		return nil, msg
	}
	return args, ""
}

// callTool calls the tool over MCP under the tool timeout.
func (st *runState) callTool(ctx context.Context, tool *Tool, args map[string]any) callResult {
	tctx, cancel := context.WithTimeout(ctx, st.ToolTimeout)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool.MCP.Name
	req.Params.Arguments = args
	res, err := tool.Server.Client.CallTool(tctx, req)
	switch {
	case err != nil && ctx.Err() != nil:
		return callResult{text: "cancelled: the user interrupted the run", isError: true}
	case err != nil && errors.Is(tctx.Err(), context.DeadlineExceeded):
		return callResult{text: fmt.Sprintf("the tool did not finish within %s and was stopped; try a narrower request", st.ToolTimeout), isError: true}
	case err != nil:
		return callResult{text: fmt.Sprintf("the tool failed: %v", err), isError: true}
	}
	return callResult{text: st.cut(resultText(res)), isError: res.IsError}
}

// resultText is the text a model gets of an MCP result: its text blocks, or
// the structured content as JSON when there are none.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case mcp.TextContent:
			parts = append(parts, c.Text)
		case mcp.ImageContent:
			parts = append(parts, fmt.Sprintf("[image %s, %d bytes of base64 not shown]", c.MIMEType, len(c.Data)))
		case mcp.EmbeddedResource:
			if tr, ok := c.Resource.(mcp.TextResourceContents); ok {
				parts = append(parts, tr.Text)
			}
		}
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}

// cut shortens text to MaxToolOutput characters, on a rune boundary, with a note.
func (st *runState) cut(text string) string {
	n := utf8.RuneCountInString(text)
	if n <= st.MaxToolOutput {
		return text
	}
	i, count := 0, 0
	for i = range text {
		if count == st.MaxToolOutput {
			break
		}
		count++
	}
	return text[:i] + fmt.Sprintf("\n[output cut at %d of %d characters; ask for less, for example with a smaller max_results, limit or max_length]", st.MaxToolOutput, n)
}

func (st *runState) recordExecution(ctx context.Context, call glm.ToolCall, tool *Tool, res callResult, started time.Time, dur time.Duration) {
	if st.Recorder == nil {
		return
	}
	e := ToolExecution{Step: st.res.Steps, CallID: call.ID, Tool: call.Function.Name, Arguments: call.Function.Arguments, Result: res.text, IsError: res.isError, Started: started, Duration: dur}
	if tool != nil {
		e.Tool, e.Server = tool.MCP.Name, tool.Server.Name
	}
	if err := st.Recorder.RecordToolExecution(context.WithoutCancel(ctx), e); err != nil {
		st.Logger.Error().Err(err).Str("call_id", call.ID).Msg("record tool execution")
	}
}

// canonicalJSON re-encodes JSON so that equal arguments compare equal.
func canonicalJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Execute checks and runs one tool call outside a run, as the loop would:
// lookup, argument validation, approval, the call under the tool timeout, and
// the output cut. Replay uses it to run recorded calls against today's tools.
func (r *Runner) Execute(ctx context.Context, call glm.ToolCall) (result string, isError bool) {
	r.defaults()
	st := &runState{Runner: r, res: &Result{}, failures: map[string]int{}}
	res := st.runCall(ctx, call)
	return res.text, res.isError
}
