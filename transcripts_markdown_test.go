package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

func TestFenced(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "x", "```\nx\n```\n"},
		{"holds a fence", "a\n```\nb", "````\na\n```\nb\n````\n"},
		{"holds five", "`````", "``````\n`````\n``````\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fenced(tt.in, ""); got != tt.want {
				t.Errorf("fenced(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestExport_OpenAIOfAnUnansweredCall: a run that died between a call and
// its result exports as a messages array GLM accepts (the request validator
// refuses orphan calls), through the one conversion continue uses too.
func TestExport_OpenAIOfAnUnansweredCall(t *testing.T) {
	ctx := context.Background()
	st, db := openTranscriptDB(t)
	id, err := st.CreateTranscript(ctx, store.TranscriptMeta{Provider: "zai", Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []store.Message{
		{Role: "user", Content: "read a.txt and b.txt"},
		{Role: "assistant", ToolCalls: json.RawMessage(`[{"id":"c1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.txt\"}"}},{"id":"c2","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"b.txt\"}"}}]`)},
		{Role: "tool", ToolCallID: "c1", Content: "alpha"},
	} {
		if err := st.AppendMessage(ctx, id, m); err != nil {
			t.Fatal(err)
		}
	}
	res := runTranscriptsCLI(t, db, "export", id, "--format", "openai")
	if res.code != 0 {
		t.Fatalf("export: exit %d: %s", res.code, res.stderr)
	}
	var msgs []glm.Message
	if err := json.Unmarshal([]byte(res.stdout), &msgs); err != nil {
		t.Fatalf("not a messages array: %v\n%s", err, res.stdout)
	}
	req := glm.Request{Model: "glm-4.7", Messages: append(msgs, glm.Message{Role: glm.RoleUser, Content: "go on"})}
	if err := req.Validate(); err != nil {
		t.Errorf("GLM would refuse the exported conversation: %v\n%s", err, res.stdout)
	}
	if len(msgs) != 3 || len(msgs[1].ToolCalls) != 1 || msgs[1].ToolCalls[0].ID != "c1" {
		t.Errorf("want the answered call kept and the unanswered one dropped: %+v", msgs)
	}
}
