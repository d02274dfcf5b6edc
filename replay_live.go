package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
)

// replayLive asks the model again, prompt by prompt, and stores the new run
// as a transcript linked to the original.
func (a *app) replayLive(ctx context.Context, cfg *replayConfig, st *store.Store, t *store.Transcript) error {
	if !cfg.set["provider"] && t.Provider != "" {
		cfg.Provider = t.Provider
	}
	// The recorded endpoint and model belong to the recorded provider: another
	// provider gets its own, or the key would go to the wrong host.
	if cfg.Provider == t.Provider {
		if !cfg.set["base-url"] && t.BaseURL != "" {
			cfg.BaseURL = t.BaseURL
		}
		if !cfg.set["model"] && t.Model != "" {
			cfg.Model = t.Model
		}
	}
	msgs, err := conversation.WireMessages(t)
	if err != nil {
		return err
	}
	if !cfg.set["system"] && len(msgs) > 0 && msgs[0].Role == glm.RoleSystem {
		cfg.System = msgs[0].Content
	}
	m, err := a.setupModel(ctx, &cfg.askConfig, "replay")
	if err != nil {
		return err
	}
	defer m.Close()
	if len(t.Params) > 0 && !anySet(cfg.set, samplingFlagNames) {
		if err := json.Unmarshal(t.Params, &m.tmpl); err != nil {
			return fmt.Errorf("transcript %s: recorded parameters: %w", t.ID, err)
		}
		m.tmpl.Model, m.tmpl.Messages = m.client.Model(), nil
	}
	conv, err := a.startConversation(ctx, &cfg.askConfig, m, st, store.TranscriptMeta{Title: t.Title, ParentID: t.ID, Relation: store.RelationReplay})
	if err != nil {
		return err
	}
	start := time.Now()
	rend := a.render(&cfg.askConfig)
	r := m.runner(&cfg.askConfig, a.approver(&cfg.askConfig), rend.event)
	var runErr error
	for _, msg := range msgs {
		if msg.Role != glm.RoleUser || isNudge(msg.Content) {
			continue
		}
		rend.prompt(msg.Content)
		if _, runErr = conv.Turn(ctx, r, msg.Content); runErr != nil {
			break
		}
	}
	return a.finishRun(ctx, &cfg.askConfig, m.client.Model(), conv, runErr, start)
}

// isNudge reports a user message the loop added itself to emulate tool_choice.
func isNudge(s string) bool {
	return strings.HasPrefix(s, "Call ") && strings.HasSuffix(s, "now, before answering.")
}
