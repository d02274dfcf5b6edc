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

// callResult is what one tool call produced.
type callResult struct {
	text      string // what the model is sent
	full      string // the whole result, for the transcript
	truncated bool
	isError   bool
	refusal   error
}

// refused is a call the bridge did not run: the model gets msg.
func refused(msg string, why error) callResult {
	return callResult{text: msg, full: msg, isError: true, refusal: why}
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
			results[i] = st.runCall(ctx, st.res.Steps, call)
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
				results[i] = st.runCall(ctx, st.res.Steps, call)
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
func (st *runState) runCall(ctx context.Context, step int, call glm.ToolCall) (res callResult) {
	started := time.Now()
	var tool *Tool
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprintf("the tool failed unexpectedly: %v", p)
			res = callResult{text: msg, full: msg, isError: true}
		}
		dur := time.Since(started)
		if res.refusal != nil {
			st.Logger.Info().Str("tool", call.Function.Name).Str("call_id", call.ID).Str("error", firstLine(res.text)).Msg("tool_error")
		}
		st.emit(Event{Kind: EventToolResult, Step: step, Call: call, Result: res.text, IsError: res.isError, Refusal: res.refusal, Duration: dur})
		st.recordExecution(ctx, step, call, tool, res, started, dur)
	}()
	if err := ctx.Err(); err != nil {
		return refused("not run: the run was cancelled", err)
	}
	tool, ok := st.Catalog.Lookup(call.Function.Name)
	if !ok {
		return refused(fmt.Sprintf("unknown tool %q; the available tools are: %s", call.Function.Name, strings.Join(st.Catalog.Names(), ", ")), ErrUnknownTool)
	}
	args, msg := parseArguments(tool, call.Function.Arguments)
	if msg != "" {
		return refused(msg, ErrInvalidArguments)
	}
	if !tool.ReadOnly {
		if st.Approve == nil {
			return refused(fmt.Sprintf("not run: %s may change things and needs the user's approval, and no one could be asked", tool.Name), ErrNeedsApproval)
		}
		if ok, why := st.Approve(ctx, tool, call.Function.Arguments); !ok {
			return refused(why, ErrUserDeclined)
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
		return nil, fmt.Sprintf("the arguments of %s are not valid JSON (%v); you sent: %s\nSend a JSON object matching this schema: %s", tool.Name, err, quoteShort(raw, 200), tool.Params)
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

// quoteShort returns s, cut to at most n characters with "…" when longer.
func quoteShort(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// callTool calls the tool over MCP under the tool timeout.
func (st *runState) callTool(ctx context.Context, tool *Tool, args map[string]any) callResult {
	tctx, cancel := context.WithTimeout(ctx, st.ToolTimeout)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool.MCP.Name
	req.Params.Arguments = args
	res, err := tool.Server.Client.CallTool(tctx, req)
	var msg string
	switch {
	case err != nil && ctx.Err() != nil:
		msg = "cancelled: the user interrupted the run"
	case err != nil && errors.Is(tctx.Err(), context.DeadlineExceeded):
		msg = fmt.Sprintf("the tool did not finish within %s and was stopped; try a narrower request", st.ToolTimeout)
	case err != nil:
		msg = fmt.Sprintf("the tool failed: %v", err)
	case res == nil:
		msg = "the tool returned no result"
	}
	if msg != "" {
		return callResult{text: msg, full: msg, isError: true}
	}
	full := resultText(res)
	text, truncated := cut(full, st.MaxToolOutput)
	return callResult{text: text, full: full, truncated: truncated, isError: res.IsError}
}

// resultText is the text a model gets of an MCP result: its text blocks as
// they came (joined by a newline, never re-encoded), or the structured
// content as JSON when there are none.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case mcp.TextContent:
			parts = append(parts, c.Text)
		case mcp.ImageContent:
			parts = append(parts, fmt.Sprintf("[image %s, %d bytes of base64 not shown]", c.MIMEType, len(c.Data)))
		case mcp.AudioContent:
			parts = append(parts, fmt.Sprintf("[audio %s, %d bytes of base64 not shown]", c.MIMEType, len(c.Data)))
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

// cut keeps the head of text, at most limit characters, so that a tool's
// paging line (which comes first) survives, and ends it with a note of how
// much was cut. It cuts at the end of a line when one ends in the last half
// of the head.
func cut(text string, limit int) (string, bool) {
	if limit <= 0 || len(text) <= limit { // bytes bound characters from above
		return text, false
	}
	n := utf8.RuneCountInString(text)
	if n <= limit {
		return text, false
	}
	end, count := 0, 0
	for end = range text {
		if count == limit {
			break
		}
		count++
	}
	head := text[:end]
	if nl := strings.LastIndexByte(head, '\n'); nl >= len(head)/2 {
		head = head[:nl+1]
	}
	kept := utf8.RuneCountInString(head)
	if !strings.HasSuffix(head, "\n") {
		head += "\n"
	}
	return head + fmt.Sprintf("[cut: these are the first %d %s, %d of %d characters; %d more were not sent. Ask for the rest with this tool's own paging arguments (its paging line, if any, says how), or ask for less.]",
		strings.Count(head, "\n"), plural("line", strings.Count(head, "\n")), kept, n, n-kept), true
}

func (st *runState) recordExecution(ctx context.Context, step int, call glm.ToolCall, tool *Tool, res callResult, started time.Time, dur time.Duration) {
	if st.Recorder == nil {
		return
	}
	e := ToolExecution{Step: step, CallID: call.ID, Tool: call.Function.Name, Arguments: call.Function.Arguments,
		Result: res.full, Truncated: res.truncated, IsError: res.isError, Refusal: res.refusal, Started: started, Duration: dur}
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
// lookup, argument validation, approval and the call under the tool
// timeout. It returns the whole result (what a transcript keeps), not the
// model's cut of it. Replay uses it to run recorded calls against today's
// tools. It does not change r, so it may run concurrently with Run.
func (r *Runner) Execute(ctx context.Context, call glm.ToolCall) (result string, isError bool) {
	st := &runState{Runner: r.settings(), res: &Result{}, failures: map[string]int{}, budget: newBudget(0, 0)}
	res := st.runCall(ctx, 0, call)
	return res.full, res.isError
}
