package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
	"github.com/glm-mcp/glm-mcp/toolkits/sqlite"
)

// storeRecorder records one run into one transcript of the store.
type storeRecorder struct {
	st *store.Store
	id string
}

var _ bridge.Recorder = (*storeRecorder)(nil)

func (r *storeRecorder) RecordMessage(ctx context.Context, m glm.Message) error {
	sm := store.Message{Role: m.Role, Content: m.Content, Reasoning: m.ReasoningContent, ToolCallID: m.ToolCallID}
	if len(m.ToolCalls) > 0 {
		b, err := json.Marshal(m.ToolCalls)
		if err != nil {
			return fmt.Errorf("encode tool calls: %w", err)
		}
		sm.ToolCalls = b
	}
	return r.st.AppendMessage(ctx, r.id, sm)
}

func (r *storeRecorder) RecordToolExecution(ctx context.Context, e bridge.ToolExecution) error {
	return r.st.RecordToolExecution(ctx, r.id, store.ToolExecution{
		Step: e.Step, CallID: e.CallID, Tool: e.Tool, Server: e.Server, Arguments: e.Arguments,
		Result: e.Result, IsError: e.IsError, Started: e.Started, Duration: e.Duration,
	})
}

func (r *storeRecorder) RecordCompletion(ctx context.Context, c bridge.Completion) error {
	sc := store.Completion{
		Step: c.Step, Started: time.Now().Add(-c.Latency), RequestBody: c.RequestBody, ResponseBody: c.ResponseBody,
		HTTPStatus: c.HTTPStatus, Latency: c.Latency, Error: c.Err,
	}
	if c.Usage != nil {
		sc.Usage = store.Usage{PromptTokens: c.Usage.PromptTokens, CompletionTokens: c.Usage.CompletionTokens, TotalTokens: c.Usage.TotalTokens,
			ReasoningTokens: c.Usage.ReasoningTokens, CachedTokens: c.Usage.CachedTokens}
	}
	return r.st.RecordCompletion(ctx, r.id, sc)
}

// storedMessages turns a stored conversation back into the messages sent to
// the model. A tool call without a result (a run cut short before its tools
// ran, by an older glm-mcp) is dropped, since GLM refuses such a conversation.
func storedMessages(t *store.Transcript) ([]glm.Message, error) {
	out := make([]glm.Message, 0, len(t.Messages))
	for i, m := range t.Messages {
		gm := glm.Message{Role: m.Role, Content: m.Content, ReasoningContent: m.Reasoning, ToolCallID: m.ToolCallID}
		if len(m.ToolCalls) > 0 {
			if err := json.Unmarshal(m.ToolCalls, &gm.ToolCalls); err != nil {
				return nil, fmt.Errorf("transcript %s message %d: tool calls: %w", t.ID, m.Seq, err)
			}
			answered := answeredIDs(t.Messages[i+1:])
			gm.ToolCalls = slices.DeleteFunc(gm.ToolCalls, func(c glm.ToolCall) bool { return !answered[c.ID] })
		}
		out = append(out, gm)
	}
	return out, nil
}

// answeredIDs collects the tool_call_ids of the tool messages that follow an
// assistant message, up to the next assistant message (ids may repeat across
// steps with some providers).
func answeredIDs(after []store.Message) map[string]bool {
	ids := map[string]bool{}
	for _, m := range after {
		if m.Role == glm.RoleAssistant {
			break
		}
		if m.Role == glm.RoleTool {
			ids[m.ToolCallID] = true
		}
	}
	return ids
}

// transcriptDB resolves the store's path: the flag, else $GLM_MCP_DB, else
// $XDG_DATA_HOME/glm-mcp/transcripts.db (~/.local/share/...).
func (a *app) transcriptDB(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := a.getenv("GLM_MCP_DB"); p != "" {
		return p
	}
	return store.DefaultPath(a.getenv("XDG_DATA_HOME"), a.getenv("HOME"))
}

// toolConfigRecord is the tool configuration kept with a transcript, so that
// replay can run the same tools again.
type toolConfigRecord struct {
	Roots         []string `json:"roots"`
	Toolkits      string   `json:"toolkits"`
	SQLite        []string `json:"sqlite,omitempty"`
	SQLiteWrite   bool     `json:"sqlite_write,omitempty"`
	AllowHosts    []string `json:"allow_hosts,omitempty"`
	IgnoreRobots  bool     `json:"ignore_robots,omitempty"`
	MCPConfig     string   `json:"mcp_config,omitempty"`
	Tools         []string `json:"tools,omitempty"`
	ExcludeTools  []string `json:"exclude_tools,omitempty"`
	PrefixTools   bool     `json:"prefix_tools,omitempty"`
	MaxToolOutput int      `json:"max_tool_output,omitempty"`
}

func toolConfigJSON(tk *toolkitConfig, bc *bridgeConfig, maxToolOutput int) json.RawMessage {
	rec := toolConfigRecord{Toolkits: tk.Toolkits, AllowHosts: tk.AllowHosts, IgnoreRobots: tk.IgnoreRobots,
		Tools: bc.Tools, ExcludeTools: bc.ExcludeTools, PrefixTools: bc.PrefixTools, MaxToolOutput: maxToolOutput}
	roots := []string(tk.Roots)
	if len(roots) == 0 {
		roots = []string{"."}
	}
	for _, r := range roots {
		if abs, err := filepath.Abs(r); err == nil {
			r = abs
		}
		rec.Roots = append(rec.Roots, r)
	}
	if bc.MCPConfig != "" {
		rec.MCPConfig, _ = filepath.Abs(bc.MCPConfig)
	}
	rec.SQLiteWrite = tk.SQLiteWrite
	for _, spec := range tk.SQLite {
		if db, err := sqlite.ParseSpec(spec); err == nil {
			if abs, err := filepath.Abs(db.Path); err == nil {
				spec = db.Name + "=" + abs
			}
		}
		rec.SQLite = append(rec.SQLite, spec)
	}
	b, _ := json.Marshal(rec)
	return b
}

// apply sets the toolkit flags from a recorded configuration.
func (rec toolConfigRecord) apply(tk *toolkitConfig, bc *bridgeConfig) {
	tk.Roots, tk.Toolkits, tk.AllowHosts, tk.IgnoreRobots = rec.Roots, rec.Toolkits, rec.AllowHosts, rec.IgnoreRobots
	tk.SQLite, tk.SQLiteWrite = rec.SQLite, rec.SQLiteWrite
	bc.MCPConfig, bc.Tools, bc.ExcludeTools, bc.PrefixTools = rec.MCPConfig, rec.Tools, rec.ExcludeTools, rec.PrefixTools
}
