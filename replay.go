package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

const replaySynopsis = `replay ID [--live] [flags]

Offline (the default): the recorded assistant turns play the model; every
recorded tool call runs again against today's tools, with the toolkit
configuration recorded with the transcript unless toolkit flags are given;
each result is compared with the recording (timings left out). Prints a
per-call report and exits 1 if anything differs.

--live: sends the transcript's prompts to the model again (with the recorded
provider, model and parameters unless flags say otherwise) and stores the run
as a new transcript linked to the original.`

// toolkitFlagNames are the flags that replace a transcript's recorded tools.
var toolkitFlagNames = map[string]bool{
	"root": true, "toolkits": true, "allow-host": true, "ignore-robots": true, "fetch-timeout": true, "fetch-max-bytes": true, "user-agent": true,
	"sqlite": true, "sqlite-write": true, "sqlite-timeout": true,
	"mcp-config": true, "tools": true, "exclude-tools": true, "prefix-tools": true,
}

func (a *app) replay(ctx context.Context, args []string) error {
	cfg := &askConfig{}
	fs := a.newFlagSet("replay", replaySynopsis)
	stream := cfg.register(fs)
	live := fs.Bool("live", false, "ask the model again and store the run as a new transcript")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("give one transcript id (a unique prefix, or last)")
	}
	cfg.NoStream = cfg.NoStream || !*stream
	a.keyEnv = cfg.APIKeyEnv
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	logger, err := cfg.newLogger(a.stderr)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, a.transcriptDB(cfg.DB))
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := st.Resolve(ctx, rest[0])
	if err != nil {
		return usageError("%v", err)
	}
	t, err := st.Get(ctx, id)
	if err != nil {
		return err
	}
	var rec toolConfigRecord
	if len(t.ToolConfig) > 0 {
		if err := json.Unmarshal(t.ToolConfig, &rec); err != nil {
			return fmt.Errorf("transcript %s: recorded tool configuration: %w", t.ID, err)
		}
	}
	if !anySet(set, toolkitFlagNames) && len(t.ToolConfig) > 0 {
		rec.apply(&cfg.toolkitConfig, &cfg.bridgeConfig)
	}
	if !set["max-tool-output"] && rec.MaxToolOutput > 0 {
		cfg.MaxToolOutput = rec.MaxToolOutput
	}
	sess, err := a.openTools(ctx, &cfg.toolkitConfig, &cfg.bridgeConfig, logger, func(err error) { fmt.Fprintf(a.stderr, "glm-mcp replay: %v\n", err) })
	if err != nil {
		return err
	}
	defer sess.Close()
	if *live {
		return a.replayLive(ctx, cfg, set, st, t, sess)
	}
	runner := &bridge.Runner{Catalog: sess.Catalog, ToolTimeout: cfg.ToolTimeout, MaxToolOutput: cfg.MaxToolOutput, Approve: a.approver(cfg), Logger: logger}
	return a.replayOffline(ctx, t, runner)
}

func anySet(set, names map[string]bool) bool {
	for n := range set {
		if names[n] {
			return true
		}
	}
	return false
}

// replayOffline runs every recorded tool call again and compares.
func (a *app) replayOffline(ctx context.Context, t *store.Transcript, runner *bridge.Runner) error {
	msgs, err := storedMessages(t)
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

// replayLive asks the model again, prompt by prompt, and stores the new run.
func (a *app) replayLive(ctx context.Context, cfg *askConfig, set map[string]bool, st *store.Store, t *store.Transcript, sess *toolSession) error {
	if !set["provider"] && t.Provider != "" {
		cfg.Provider = t.Provider
	}
	// The recorded endpoint and model belong to the recorded provider: another
	// provider gets its own, or the key would go to the wrong host.
	if cfg.Provider == t.Provider {
		if !set["base-url"] && t.BaseURL != "" {
			cfg.BaseURL = t.BaseURL
		}
		if !set["model"] && t.Model != "" {
			cfg.Model = t.Model
		}
	}
	logger, _ := cfg.newLogger(a.stderr)
	client, err := a.newGLMClient(cfg, logger)
	if err != nil {
		return err
	}
	tmpl, err := cfg.template(client.Model(), client.Profile())
	if err != nil {
		return err
	}
	if len(t.Params) > 0 && !anySet(set, samplingFlagNames) {
		if err := json.Unmarshal(t.Params, &tmpl); err != nil {
			return fmt.Errorf("transcript %s: recorded parameters: %w", t.ID, err)
		}
		tmpl.Model, tmpl.Messages = client.Model(), nil
	}
	msgs, err := storedMessages(t)
	if err != nil {
		return err
	}
	run := &askRun{app: a, cfg: cfg, start: time.Now(), st: st}
	params := tmpl
	meta := store.TranscriptMeta{Title: t.Title, Provider: client.Profile().Name, BaseURL: client.Profile().BaseURL, Model: client.Model(),
		ToolConfig: toolConfigJSON(&cfg.toolkitConfig, &cfg.bridgeConfig, cfg.MaxToolOutput), ParentID: t.ID, Relation: store.RelationReplay}
	if cfg.BaseURL != "" {
		meta.BaseURL = cfg.BaseURL
	}
	meta.Params, _ = json.Marshal(params)
	newID, err := st.CreateTranscript(ctx, meta)
	if err != nil {
		return err
	}
	run.rec = &storeRecorder{st: st, id: newID}
	r := run.runner(client, sess, tmpl, logger)
	var conv []glm.Message
	res := &bridge.Result{}
	var runErr error
	for _, m := range msgs {
		if m.Role != glm.RoleUser && m.Role != glm.RoleSystem {
			continue
		}
		conv = append(conv, m)
		if err := run.rec.RecordMessage(ctx, m); err != nil {
			return err
		}
		if m.Role == glm.RoleSystem || isNudge(m.Content) {
			continue
		}
		var step *bridge.Result
		step, runErr = r.Run(ctx, conv)
		conv = step.Messages
		res.Steps += step.Steps
		res.Usage = res.Usage.Plus(step.Usage)
		if runErr != nil {
			break
		}
	}
	return run.finish(ctx, res, runErr)
}

// samplingFlagNames are the flags whose values replace the recorded parameters.
var samplingFlagNames = map[string]bool{
	"max-tokens": true, "max-completion-tokens": true, "n": true, "temperature": true, "top-p": true, "frequency-penalty": true,
	"presence-penalty": true, "stream": true, "no-stream": true, "response-format": true, "thinking": true, "stop": true,
}

// isNudge reports a user message the loop added itself to emulate tool_choice.
func isNudge(s string) bool {
	return strings.HasPrefix(s, "Call ") && strings.HasSuffix(s, "now, before answering.")
}

// recordedError reports whether the recorded call ended in an error.
func recordedError(t *store.Transcript, callID string) bool {
	e, ok := t.Execution(callID)
	return ok && e.IsError
}
