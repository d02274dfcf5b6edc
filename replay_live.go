package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
)

// liveSummary is one live replay with one model, for the side-by-side table.
type liveSummary struct {
	Transcript, Model, Status, Answer, NewID string
	Calls                                    int
	Usage                                    glm.Usage
	Elapsed                                  time.Duration
}

// replayLiveAll re-asks every transcript with each --model (or the recorded
// model) and, with more than one model, prints a side-by-side summary.
func (a *app) replayLiveAll(ctx context.Context, cfg *replayConfig, in *replayInputs) error {
	models := cfg.Models
	if len(models) == 0 {
		models = []string{""}
	}
	var sums []liveSummary
	var firstErr error
	for _, item := range in.items {
		for _, model := range models {
			run := *cfg
			if model != "" {
				run.Model, run.set = model, withFlag(cfg.set, "model")
			}
			sum, err := a.replayLive(ctx, &run, in.st, item)
			sums = append(sums, sum)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				return firstErr
			}
		}
	}
	if len(models) > 1 {
		a.liveTable(sums)
	}
	return firstErr
}

func withFlag(set map[string]bool, name string) map[string]bool {
	out := map[string]bool{name: true}
	for k := range set {
		out[k] = true
	}
	return out
}

// liveTable prints the models side by side: status, calls, tokens, cost,
// time and the start of each answer.
func (a *app) liveTable(sums []liveSummary) {
	fmt.Fprintln(a.stdout)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TRANSCRIPT\tMODEL\tSTATUS\tCALLS\tTOKENS\tCOST\tTIME\tNEW\tANSWER")
	for _, s := range sums {
		cost := costLine(s.Usage, s.Model)
		if cost == "" {
			cost = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", shorten(s.Transcript, 12), s.Model, s.Status, s.Calls, s.Usage.TotalTokens,
			cost, fmtDur(s.Elapsed), shorten(s.NewID, 12), shorten(strings.Join(strings.Fields(s.Answer), " "), 50))
	}
	tw.Flush()
}

// replayLive asks the model again, prompt by prompt, and stores the new run
// as a transcript linked to the original (when the original is in the store).
func (a *app) replayLive(ctx context.Context, cfg *replayConfig, st *store.Store, item replayItem) (liveSummary, error) {
	t := item.t
	sum := liveSummary{Transcript: t.ID}
	if !cfg.set["provider"] && t.Provider != "" {
		cfg.Provider = t.Provider
	}
	// The recorded endpoint and model belong to the recorded provider: another
	// provider gets its own, or the key would go to the wrong host.
	if cfg.Provider == t.Provider {
		if !cfg.set["base-url"] && t.BaseURL != "" {
			cfg.BaseURL = a.recordedEndpoint(ctx, cfg, t)
		}
		if !cfg.set["model"] && t.Model != "" {
			cfg.Model = t.Model
		}
	}
	msgs, err := conversation.WireMessages(t)
	if err != nil {
		return sum, err
	}
	if !cfg.set["system"] && len(msgs) > 0 && msgs[0].Role == glm.RoleSystem {
		cfg.System = msgs[0].Content
	}
	if err := a.applyRecordedTools(ctx, cfg, t); err != nil {
		return sum, err
	}
	m, err := a.setupModel(ctx, &cfg.askConfig, "replay")
	if err != nil {
		return sum, err
	}
	defer m.Close()
	sum.Model = m.client.Model()
	if len(t.Params) > 0 && !anySet(cfg.set, samplingFlagNames) {
		if err := json.Unmarshal(t.Params, &m.tmpl); err != nil {
			return sum, fmt.Errorf("transcript %s: recorded parameters: %w", t.ID, err)
		}
		m.tmpl.Model, m.tmpl.Messages = m.client.Model(), nil
	}
	meta := store.TranscriptMeta{Title: t.Title}
	if item.source == "store" {
		meta.ParentID, meta.Relation = t.ID, store.RelationReplay
	}
	conv, err := a.startConversation(ctx, &cfg.askConfig, m, st, meta)
	if err != nil {
		return sum, err
	}
	start := time.Now()
	rend := a.render(&cfg.askConfig)
	r := m.runner(&cfg.askConfig, a.approver(&cfg.askConfig), rend.event)
	var runErr error
	for _, msg := range msgs {
		if msg.Role != glm.RoleUser || bridge.IsNudge(msg) {
			continue
		}
		rend.prompt(msg.Content)
		var res *bridge.Result
		if res, runErr = conv.Turn(ctx, r, msg.Content); res != nil {
			sum.Answer = res.Answer
		}
		if runErr != nil {
			break
		}
	}
	for _, msg := range conv.Messages() {
		sum.Calls += len(msg.ToolCalls)
	}
	sum.Status, sum.Usage, sum.Elapsed, sum.NewID = conversation.Status(runErr), conv.Usage(), time.Since(start), conv.ID()
	return sum, a.finishRun(ctx, &cfg.askConfig, m.client.Model(), conv, runErr, start)
}

// recordedEndpoint is the base URL a live replay sends to: the recorded one
// only when it is the provider's own, or the user confirms it on a terminal.
// The API key goes where the base URL points, and a transcript (an export
// file in a repository, say) must not be able to send it elsewhere.
func (a *app) recordedEndpoint(ctx context.Context, cfg *replayConfig, t *store.Transcript) string {
	profile, err := glm.LookupProfile(cfg.Provider)
	if err != nil || strings.TrimRight(t.BaseURL, "/") == strings.TrimRight(profile.BaseURL, "/") {
		return ""
	}
	if a.confirm(ctx, fmt.Sprintf("Send the API key to %s, the endpoint recorded with %s?", t.BaseURL, t.ID)) {
		return t.BaseURL
	}
	fmt.Fprintf(a.stderr, "glm-mcp replay: not using the endpoint recorded with %s (%s); pass --base-url %s to use it\n", t.ID, t.BaseURL, t.BaseURL)
	return ""
}
