package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTranscript_JSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := openTest(t)
	id := richTranscript(t, src)
	orig, err := src.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.MarshalIndent(orig, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("{\n  \"format\": \""+ExportFormat+"\",\n  \"id\": ")) {
		t.Errorf("document does not start with its format and id:\n%.200s", doc)
	}
	var back Transcript
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	dst := openTest(t)
	if err := dst.Import(ctx, &back); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, orig) {
		t.Errorf("imported transcript differs:\n got %+v\nwant %+v", got, orig)
	}
	again, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, doc) {
		t.Errorf("second export differs from the first")
	}
	if err := dst.Import(ctx, &back); !errors.Is(err, errExists) {
		t.Errorf("importing twice: %v, want errExists", err)
	}
}

func TestTranscript_UnmarshalJSON_otherFormat(t *testing.T) {
	var tr Transcript
	err := json.Unmarshal([]byte(`{"format":"glm-mcp-transcript/9","id":"x"}`), &tr)
	if err == nil || !strings.Contains(err.Error(), "glm-mcp-transcript/9") {
		t.Errorf("error %v, want the unknown format named", err)
	}
}

func TestCompletion_bodies(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantJSON string // how the body appears in the document
	}{
		{"compact object is embedded", `{"a":[1,2]}`, `{"a":[1,2]}`},
		{"compact array is embedded", `[1]`, `[1]`},
		{"indented object stays a string", "{\n \"a\": 1\n}", `"{\n \"a\": 1\n}"`},
		{"stream text is a string", "data: {\"x\":1}\n\ndata: [DONE]\n\n", `"data: {\"x\":1}\n\ndata: [DONE]\n\n"`},
		{"JSON string literal stays a string", `"hi"`, `"\"hi\""`},
		{"number stays a string", `42`, `"42"`},
		{"broken JSON is a string", `{"a":`, `"{\"a\":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(Completion{ResponseBody: []byte(tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(`"response":`+tt.wantJSON)) {
				t.Errorf("document %s does not hold %s", b, tt.wantJSON)
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, b, "", "\t"); err != nil {
				t.Fatal(err)
			}
			var back Completion
			if err := json.Unmarshal(indented.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if string(back.ResponseBody) != tt.body {
				t.Errorf("round trip %q, want %q", back.ResponseBody, tt.body)
			}
		})
	}
}

func TestTranscript_OpenAIMessages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	tr, err := s.Get(ctx, richTranscript(t, s))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := tr.OpenAIMessages()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	var generic []map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	roles := []string{"system", "user", "assistant", "tool", "tool", "assistant"}
	if len(generic) != len(roles) {
		t.Fatalf("%d messages: %s", len(generic), b)
	}
	for i, m := range generic {
		if m["role"] != roles[i] {
			t.Errorf("message %d role %v, want %s", i, m["role"], roles[i])
		}
		if _, ok := m["content"].(string); !ok {
			t.Errorf("message %d content %#v, want a string", i, m["content"])
		}
	}
	a := generic[2]
	if a["content"] != "" || a["reasoning_content"] != "I should read the file\nand search." {
		t.Errorf("assistant turn %v", a)
	}
	calls, _ := a["tool_calls"].([]any)
	wantArgs := []string{`{"path":"a.txt"}`, `{"pattern":"*.go"}`}
	if len(calls) != 2 {
		t.Fatalf("tool calls %v", a["tool_calls"])
	}
	for i, c := range calls {
		call := c.(map[string]any)
		fn := call["function"].(map[string]any)
		if call["type"] != "function" || call["id"] == "" || fn["arguments"] != wantArgs[i] || len(call) != 3 {
			t.Errorf("tool call %d = %v, want type function and arguments %s as a string", i, call, wantArgs[i])
		}
	}
	if generic[3]["tool_call_id"] != "call_1" || generic[4]["tool_call_id"] != "call_2" {
		t.Errorf("tool messages %v %v", generic[3], generic[4])
	}
	if _, ok := generic[1]["reasoning_content"]; ok {
		t.Error("a user message has reasoning_content")
	}
}

func TestTranscript_WriteMarkdown(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	tr, err := s.Get(ctx, richTranscript(t, s))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tr.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# What is in a.txt and which Go files are there?\n",
		"- **status:** done\n",
		"- **steps:** 2; **usage:** 350 tokens (prompt 300, completion 50, reasoning 25, cached 10)\n",
		"## System\n\nYou are terse.\n",
		"<details><summary>Reasoning</summary>\n\nI should read the file\nand search.\n\n</details>",
		"**Tool call** `find_files` (`call_2`)\n\n```json\n{\n  \"pattern\": \"*.go\"\n}\n```\n",
		"## Tool result: `read_file` (`call_1`), error in 56µs\n\n```\nno such file: a.txt\n```\n",
		"## Tool result: `find_files` (`call_2`), ok in 1.234ms",
		"main.go is the only Go file. ```code```\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

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
