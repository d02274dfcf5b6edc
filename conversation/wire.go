package conversation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// WireMessages turns a stored conversation into the messages sent to the
// model: the one conversion that continue, replay and export all use. It
// makes a conversation GLM accepts even from a run that died midway:
//   - a tool call that never got a result is dropped from its assistant
//     message (an assistant message left with neither text nor calls goes);
//   - a tool result whose call is not in the assistant message before it goes;
//   - the newest system prompt stands first (chat's /system replaces it);
//   - two user messages in a row (a prompt that got no answer, then the
//     next) are joined into one, and so are two answers in a row (a
//     cancelled partial answer and the note that says so).
func WireMessages(t *store.Transcript) ([]glm.Message, error) {
	out := make([]glm.Message, 0, len(t.Messages))
	var open map[string]bool // the calls of the last assistant message
	for i, m := range t.Messages {
		gm := glm.Message{Role: m.Role, Content: m.Content, ReasoningContent: m.Reasoning, ReasoningDetails: m.ReasoningDetails, ToolCallID: m.ToolCallID}
		switch m.Role {
		case glm.RoleAssistant:
			if m.Content == unsentNote && len(m.ToolCalls) == 0 {
				// The prompt before it was never sent: both stay out.
				if n := len(out); n > 0 && out[n-1].Role == glm.RoleUser {
					out = out[:n-1]
				}
				continue
			}
			if n := len(out); n > 0 && out[n-1].Role == glm.RoleAssistant && len(out[n-1].ToolCalls) == 0 && len(m.ToolCalls) == 0 {
				out[n-1].Content = joinText(out[n-1].Content, m.Content) // a partial answer and its cancel note
				continue
			}
			open = map[string]bool{}
			if len(m.ToolCalls) > 0 {
				if err := json.Unmarshal(m.ToolCalls, &gm.ToolCalls); err != nil {
					return nil, fmt.Errorf("transcript %s message %d: tool calls: %w", t.ID, m.Seq, err)
				}
				answered := answeredIDs(t.Messages[i+1:])
				kept := gm.ToolCalls[:0]
				for _, c := range gm.ToolCalls {
					if answered[c.ID] {
						kept = append(kept, c)
						open[c.ID] = true
					}
				}
				gm.ToolCalls = kept
				if len(kept) == 0 {
					gm.ToolCalls = nil
					if gm.Content == "" {
						continue
					}
				}
			}
		case glm.RoleTool:
			if !open[m.ToolCallID] {
				continue
			}
			delete(open, m.ToolCallID) // one result per call
		case glm.RoleSystem:
			// One system prompt, first: a later one (chat's /system)
			// replaces the earlier.
			if len(out) > 0 && out[0].Role == glm.RoleSystem {
				out[0] = gm
			} else {
				out = append([]glm.Message{gm}, out...)
			}
			continue
		case glm.RoleUser:
			open = nil
			if n := len(out); n > 0 && out[n-1].Role == glm.RoleUser {
				out[n-1].Content += "\n\n" + m.Content
				continue
			}
		}
		out = append(out, gm)
	}
	return out, nil
}

// answeredIDs collects the tool_call_ids of the tool messages that follow an
// assistant message, up to the next assistant or user message (ids may
// repeat across steps with some providers).
func answeredIDs(after []store.Message) map[string]bool {
	ids := map[string]bool{}
	for _, m := range after {
		if m.Role != glm.RoleTool {
			break
		}
		ids[m.ToolCallID] = true
	}
	return ids
}

// StoredMessage is the store's form of a wire message.
func StoredMessage(m glm.Message) (store.Message, error) {
	sm := store.Message{Role: m.Role, Content: m.Content, Reasoning: m.ReasoningContent, ReasoningDetails: m.ReasoningDetails, ToolCallID: m.ToolCallID}
	if len(m.ToolCalls) > 0 {
		b, err := json.Marshal(m.ToolCalls)
		if err != nil {
			return sm, fmt.Errorf("encode tool calls: %w", err)
		}
		sm.ToolCalls = b
	}
	return sm, nil
}

// recorder records one conversation's events into its transcript.
type recorder struct {
	st *store.Store
	id string
	// offset numbers the steps of a later turn after those of the turns
	// before it, so that a transcript's steps stay distinct.
	offset int
}

var (
	_ bridge.Recorder           = (*recorder)(nil)
	_ bridge.CompactionRecorder = (*recorder)(nil)
)

// RecordCompaction keeps what the context budget elided from a request.
func (r *recorder) RecordCompaction(ctx context.Context, step int, rep bridge.CompactReport) error {
	type elided struct {
		CallID    string `json:"call_id"`
		Tool      string `json:"tool"`
		Arguments string `json:"arguments"`
		Chars     int    `json:"chars"`
	}
	list := make([]elided, 0, len(rep.Elided))
	for _, e := range rep.Elided {
		list = append(list, elided{e.CallID, e.Tool, e.Arguments, e.Chars})
	}
	b, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("encode compaction: %w", err)
	}
	return r.st.RecordCompaction(ctx, r.id, store.Compaction{Step: step + r.offset, TokensBefore: rep.Before, TokensAfter: rep.After, Elided: b})
}

func (r *recorder) RecordMessage(ctx context.Context, m glm.Message) error {
	sm, err := StoredMessage(m)
	if err != nil {
		return err
	}
	return r.st.AppendMessage(ctx, r.id, sm)
}

func (r *recorder) RecordToolExecution(ctx context.Context, e bridge.ToolExecution) error {
	return r.st.RecordToolExecution(ctx, r.id, store.ToolExecution{
		Step: e.Step + r.offset, CallID: e.CallID, Tool: e.Tool, Server: e.Server, Arguments: e.Arguments,
		Result: e.Result, IsError: e.IsError, Started: e.Started, Duration: e.Duration,
	})
}

func (r *recorder) RecordCompletion(ctx context.Context, c bridge.Completion) error {
	sc := store.Completion{
		Step: c.Step + r.offset, Started: time.Now().Add(-c.Latency), RequestBody: c.RequestBody, ResponseBody: c.ResponseBody,
		HTTPStatus: c.HTTPStatus, Latency: c.Latency, Error: c.Err,
	}
	if c.Usage != nil {
		sc.Usage = store.Usage{PromptTokens: c.Usage.PromptTokens, CompletionTokens: c.Usage.CompletionTokens, TotalTokens: c.Usage.TotalTokens,
			ReasoningTokens: c.Usage.ReasoningTokens, CachedTokens: c.Usage.CachedTokens}
	}
	return r.st.RecordCompletion(ctx, r.id, sc)
}
