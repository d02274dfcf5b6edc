package conversation

import (
	"encoding/json"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

func calls(ids ...string) json.RawMessage {
	var cs []map[string]any
	for _, id := range ids {
		cs = append(cs, map[string]any{"id": id, "type": "function", "function": map[string]any{"name": "f", "arguments": "{}"}})
	}
	b, _ := json.Marshal(cs)
	return b
}

// TestWireMessages: every stored shape, including runs that died midway,
// becomes a conversation the GLM request validator accepts.
func TestWireMessages(t *testing.T) {
	tests := []struct {
		name  string
		msgs  []store.Message
		roles string // the roles of the result, one letter each
		check func(t *testing.T, got []glm.Message)
	}{
		{
			name: "a call without a result in its own step is dropped, even when a later step reuses its id",
			msgs: []store.Message{
				{Role: "user", Content: "q"},
				{Role: "assistant", ToolCalls: calls("call_0", "call_1")},
				{Role: "tool", ToolCallID: "call_1", Content: "r1"},
				{Role: "assistant", ToolCalls: calls("call_0")},
				{Role: "tool", ToolCallID: "call_0", Content: "r0"},
				{Role: "assistant", Content: "done"},
			},
			roles: "uatata",
			check: func(t *testing.T, got []glm.Message) {
				if n := len(got[1].ToolCalls); n != 1 || got[1].ToolCalls[0].ID != "call_1" {
					t.Errorf("step 1 should keep only the answered call_1: %+v", got[1].ToolCalls)
				}
				if n := len(got[3].ToolCalls); n != 1 || got[3].ToolCalls[0].ID != "call_0" {
					t.Errorf("step 2 keeps its answered call_0: %+v", got[3].ToolCalls)
				}
			},
		},
		{
			name: "a run that died between a call and its result: the call goes, and the empty assistant message with it",
			msgs: []store.Message{
				{Role: "system", Content: "be brief"},
				{Role: "user", Content: "q"},
				{Role: "assistant", ToolCalls: calls("call_0")},
			},
			roles: "su",
		},
		{
			name: "a failed turn then another prompt: the two prompts are joined",
			msgs: []store.Message{
				{Role: "user", Content: "first"},
				{Role: "assistant", ToolCalls: calls("c1")},
				{Role: "user", Content: "second"},
			},
			roles: "u",
			check: func(t *testing.T, got []glm.Message) {
				if got[0].Content != "first\n\nsecond" {
					t.Errorf("joined prompt = %q", got[0].Content)
				}
			},
		},
		{
			name: "a result whose call is missing, and a second result for one call, are dropped",
			msgs: []store.Message{
				{Role: "user", Content: "q"},
				{Role: "assistant", Content: "let me look", ToolCalls: calls("a")},
				{Role: "tool", ToolCallID: "a", Content: "ra"},
				{Role: "tool", ToolCallID: "a", Content: "ra again"},
				{Role: "tool", ToolCallID: "zzz", Content: "orphan"},
				{Role: "assistant", Content: "ok"},
			},
			roles: "uata",
		},
		{
			name: "a cancelled partial answer and its note are joined",
			msgs: []store.Message{
				{Role: "user", Content: "q"},
				{Role: "assistant", Content: "the answer was"},
				{Role: "assistant", Content: cancelNote},
				{Role: "user", Content: "go on"},
			},
			roles: "uau",
			check: func(t *testing.T, got []glm.Message) {
				if got[1].Content != "the answer was\n\n"+cancelNote {
					t.Errorf("joined answer %q", got[1].Content)
				}
			},
		},
		{
			name: "a later system prompt replaces the first, and stands first",
			msgs: []store.Message{
				{Role: "system", Content: "old"},
				{Role: "user", Content: "q"},
				{Role: "assistant", Content: "a"},
				{Role: "system", Content: "new"},
				{Role: "user", Content: "q2"},
			},
			roles: "suau",
			check: func(t *testing.T, got []glm.Message) {
				if got[0].Content != "new" {
					t.Errorf("system prompt %q, want the newest", got[0].Content)
				}
			},
		},
		{
			name: "reasoning is kept for the echo",
			msgs: []store.Message{
				{Role: "user", Content: "q"},
				{Role: "assistant", Content: "a", Reasoning: "thought"},
			},
			roles: "ua",
			check: func(t *testing.T, got []glm.Message) {
				if got[1].ReasoningContent != "thought" {
					t.Errorf("reasoning lost: %+v", got[1])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WireMessages(&store.Transcript{Messages: tt.msgs})
			if err != nil {
				t.Fatal(err)
			}
			roles := ""
			for _, m := range got {
				roles += m.Role[:1]
			}
			if roles != tt.roles {
				t.Fatalf("roles %q, want %q: %+v", roles, tt.roles, got)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
			req := glm.Request{Model: "glm-4.7", Messages: got}
			if got[len(got)-1].Role != glm.RoleUser {
				req.Messages = append(req.Messages, glm.Message{Role: glm.RoleUser, Content: "next"})
			}
			if err := req.Validate(); err != nil {
				t.Errorf("GLM would refuse this conversation: %v", err)
			}
		})
	}
}

func TestWireMessages_BadToolCalls(t *testing.T) {
	_, err := WireMessages(&store.Transcript{Messages: []store.Message{{Role: "user", Content: "q"}, {Role: "assistant", ToolCalls: json.RawMessage(`{"x"`)}}})
	if err == nil {
		t.Fatal("broken tool calls JSON must be an error")
	}
}

func TestStoredMessage_RoundTrip(t *testing.T) {
	in := glm.Message{Role: glm.RoleAssistant, Content: "c", ReasoningContent: "r", ReasoningDetails: json.RawMessage(`[{"type":"reasoning.text","text":"r"}]`),
		ToolCalls: []glm.ToolCall{{ID: "x", Type: "function", Function: glm.FunctionCall{Name: "f", Arguments: `{"a":1}`}}}}
	sm, err := StoredMessage(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := WireMessages(&store.Transcript{Messages: []store.Message{{Role: "user", Content: "q"}, sm, {Role: "tool", ToolCallID: "x", Content: "r"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out[1]; got.Content != "c" || got.ReasoningContent != "r" || string(got.ReasoningDetails) != `[{"type":"reasoning.text","text":"r"}]` || got.ToolCalls[0].Function.Arguments != `{"a":1}` {
		t.Errorf("round trip lost data: %+v", got)
	}
}
