package main

import (
	"encoding/json"
	"testing"

	"github.com/glm-mcp/glm-mcp/store"
)

// TestStoredMessages_DropsUnansweredCalls: a call without a result in its own
// step is dropped, even when a later step reuses its id.
func TestStoredMessages_DropsUnansweredCalls(t *testing.T) {
	calls := func(ids ...string) json.RawMessage {
		var cs []map[string]any
		for _, id := range ids {
			cs = append(cs, map[string]any{"id": id, "type": "function", "function": map[string]any{"name": "f", "arguments": "{}"}})
		}
		b, _ := json.Marshal(cs)
		return b
	}
	tr := &store.Transcript{Messages: []store.Message{
		{Role: "user", Content: "q"},
		{Role: "assistant", ToolCalls: calls("call_0", "call_1")},
		{Role: "tool", ToolCallID: "call_1", Content: "r1"},
		{Role: "assistant", ToolCalls: calls("call_0")},
		{Role: "tool", ToolCallID: "call_0", Content: "r0"},
		{Role: "assistant", Content: "done"},
	}}
	msgs, err := storedMessages(tr)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(msgs[1].ToolCalls); n != 1 || msgs[1].ToolCalls[0].ID != "call_1" {
		t.Errorf("step 1 should keep only the answered call_1: %+v", msgs[1].ToolCalls)
	}
	if n := len(msgs[3].ToolCalls); n != 1 || msgs[3].ToolCalls[0].ID != "call_0" {
		t.Errorf("step 2 keeps its answered call_0: %+v", msgs[3].ToolCalls)
	}
}
