package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
)

// Outcomes of one replayed call.
const (
	callSame     = "same"
	callChanged  = "changed"
	callFailed   = "failed"
	callCassette = "cassette" // played from the recording, not called
	callSkipped  = "skipped"  // not run when recorded (refused or declined), so not run now
)

// listTimes are list_directory's modification times: they differ in every
// checkout, so they are not compared.
var listTimes = regexp.MustCompile(` \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?`)

// volatileText leaves out of a text result what differs from run to run by
// nature (timings are never in a text block; file times are).
func volatileText(tool, s string) string {
	if tool == "list_directory" || strings.HasSuffix(tool, "__list_directory") {
		return listTimes.ReplaceAllString(s, "")
	}
	return s
}

// callReport is one recorded tool call run again.
type callReport struct {
	ID        string   `json:"id"`
	Tool      string   `json:"tool"`
	Server    string   `json:"server,omitempty"`
	Arguments string   `json:"arguments"`
	Outcome   string   `json:"outcome"`
	Changes   []change `json:"changes,omitempty"`
	Error     string   `json:"error,omitempty"` // why a failed call failed
}

// transcriptReport is one transcript replayed.
type transcriptReport struct {
	ID      string        `json:"id"`
	Title   string        `json:"title"`
	Source  string        `json:"source"` // "store" or the export file
	Calls   []callReport  `json:"calls"`
	Same    int           `json:"same"`
	Changed int           `json:"changed"`
	Failed  int           `json:"failed"`
	Elapsed time.Duration `json:"-"`
	Error   string        `json:"error,omitempty"` // the tools could not be set up
}

func (r *transcriptReport) add(c callReport) {
	r.Calls = append(r.Calls, c)
	switch c.Outcome {
	case callSame, callCassette, callSkipped:
		r.Same++
	case callChanged:
		r.Changed++
	default:
		r.Failed++
	}
}

// ok reports whether every call gave what was recorded.
func (r *transcriptReport) ok() bool { return r.Changed+r.Failed == 0 && r.Error == "" }

// replayOfflineAll replays every transcript's tool calls, each with its own
// tools, and reports.
func (a *app) replayOfflineAll(ctx context.Context, cfg *replayConfig, items []replayItem) error {
	logger, err := cfg.newLogger(a.stderr)
	if err != nil {
		return err
	}
	out := newReplayOutput(a, cfg)
	var reports []*transcriptReport
	for _, item := range items {
		t, tcfg := item.t, *cfg
		rep := &transcriptReport{ID: t.ID, Title: t.Title, Source: item.source}
		start := time.Now()
		if err := a.applyRecordedTools(ctx, &tcfg, t); err != nil {
			return err
		}
		sess, err := a.openTools(ctx, &tcfg.toolkitConfig, &tcfg.bridgeConfig, logger, func(err error) { fmt.Fprintf(a.stderr, "glm-mcp replay: %v\n", err) })
		if err != nil {
			rep.Error = err.Error()
		} else {
			runner := &bridge.Runner{Catalog: sess.Catalog, ToolTimeout: tcfg.ToolTimeout, MaxToolOutput: tcfg.MaxToolOutput, Approve: a.approver(&tcfg.askConfig), Logger: logger}
			err = a.replayCalls(ctx, t, runner, cfg.Cassettes, rep, out)
			sess.Close()
			if err != nil {
				return err
			}
		}
		rep.Elapsed = time.Since(start)
		out.transcriptDone(rep)
		reports = append(reports, rep)
	}
	if err := out.finish(reports); err != nil {
		return err
	}
	for _, r := range reports {
		if !r.ok() {
			return &exitCodeError{code: exitError, err: errShown}
		}
	}
	return nil
}

// replayCalls runs every recorded tool call of t again and compares.
func (a *app) replayCalls(ctx context.Context, t *store.Transcript, runner *bridge.Runner, cassettes []string, rep *transcriptReport, out *replayOutput) error {
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
	out.transcriptStart(t)
	for _, m := range msgs {
		for _, call := range m.ToolCalls {
			c := a.replayCall(ctx, t, runner, cassettes, call, recorded)
			if err := ctx.Err(); err != nil {
				return &exitCodeError{code: exitInterrupted, err: err}
			}
			rep.add(c)
			out.call(c)
		}
	}
	return nil
}

// replayCall runs one call again (or plays it from the cassette).
func (a *app) replayCall(ctx context.Context, t *store.Transcript, runner *bridge.Runner, cassettes []string, call glm.ToolCall, recorded map[string]string) callReport {
	c := callReport{ID: call.ID, Tool: call.Function.Name, Arguments: call.Function.Arguments}
	exec, hasExec := t.Execution(call.ID)
	if hasExec {
		c.Server = exec.Server
	}
	want, ok := recorded[call.ID]
	if hasExec {
		want, ok = exec.Result, true // the whole result, not the model's cut of it
	}
	switch {
	case !ok:
		c.Outcome, c.Error = callFailed, "no recorded result"
		return c
	case hasExec && slices.Contains(cassettes, exec.Server):
		c.Outcome = callCassette
		return c
	case hasExec && exec.IsError && strings.HasPrefix(want, "not run:"):
		// Refused or declined when recorded: replay must not run what the
		// user did not let run then.
		c.Outcome = callSkipped
		return c
	}
	got, isErr := runner.Execute(ctx, call)
	changes := compareResults(volatileText(c.Tool, want), volatileText(c.Tool, got))
	switch {
	case len(changes) == 0:
		c.Outcome = callSame
	case isErr && !(hasExec && exec.IsError):
		c.Outcome, c.Error, c.Changes = callFailed, firstLineOf(got), changes
	default:
		c.Outcome, c.Changes = callChanged, changes
	}
	return c
}
