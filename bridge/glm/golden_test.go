package glm

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func numberTool(name, desc string) Tool {
	return Tool{Type: "function", Function: Function{Name: name, Strict: Ptr(false), Description: desc,
		Parameters: json.RawMessage(`{"properties":{"a":{"description":"first number","type":"integer"},` +
			`"b":{"description":"second number","type":"integer"}},"required":["a","b"],"type":"object"}`)}}
}

var weatherTool = Tool{Type: "function", Function: Function{Name: "weather", Strict: Ptr(false),
	Description: "Get weather information for a location",
	Parameters: json.RawMessage(`{"properties":{"location":{"description":"the city","type":"string"}},` +
		`"required":["location"],"type":"object"}`)}}

var getWeatherTool = Tool{Type: "function", Function: Function{Name: "get_weather",
	Description: "Get weather information for the specified city.",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}}

// fantasyTurn1 is the first request of the recorded parallel-tool-call conversation.
func fantasyTurn1() Request {
	return Request{
		Model: "glm-4.7-flash",
		Messages: []Message{
			{Role: RoleSystem, Content: "You are a helpful assistant. CRITICAL: Always use both add and multiply at the same time ALWAYS."},
			{Role: RoleUser, Content: "Add and multiply the number 2 and 3"},
		},
		MaxTokens:  Ptr(4000),
		ToolChoice: ChooseMode(ToolChoiceAuto),
		Tools:      []Tool{numberTool("add", "Add two numbers"), numberTool("multiply", "Multiply two numbers")},
	}
}

func mustComplete(t *testing.T, c *testClient, req Request) *Response {
	t.Helper()
	resp, err := c.Complete(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return resp
}

// goldenRequests drive a conversation through the client and name the request fixture the
// last request sent must equal, as JSON values.
var goldenRequests = []struct {
	name    string
	fixture string
	profile string
	replies []string
	run     func(t *testing.T, c *testClient)
}{
	{
		name: "real turn 1 with two tools", fixture: "request_glm47flash_turn1_tools_as_sent_by_fantasy.json", profile: "zai-coding",
		replies: []string{"response_glm47flash_nonstream_parallel_tool_calls.json"},
		run:     func(t *testing.T, c *testClient) { mustComplete(t, c, fantasyTurn1()) },
	},
	{
		// The assistant message is echoed exactly as the client decoded it: content, reasoning
		// and both tool calls with the model's ids; each result is a tool message with string
		// content and the matching id.
		name: "real turn 2 echoes reasoning and tool calls", fixture: "request_glm47flash_turn2_tool_results_with_reasoning.json", profile: "zai-coding",
		replies: []string{"response_glm47flash_nonstream_parallel_tool_calls.json", "response_glm47flash_nonstream_final_text.json"},
		run: func(t *testing.T, c *testClient) {
			req := fantasyTurn1()
			msg := mustComplete(t, c, req).Message()
			req.Messages = append(req.Messages, msg,
				Message{Role: RoleTool, ToolCallID: msg.ToolCalls[0].ID, Content: "5"},
				Message{Role: RoleTool, ToolCallID: msg.ToolCalls[1].ID, Content: "6"})
			mustComplete(t, c, req)
		},
	},
	{
		// The recorded turn-1 stream is abridged, so its text is restored from the real turn 2;
		// the tool call comes from the assembled stream.
		name: "real streamed turn 2 with a tool result", fixture: "request_glm47flash_stream_turn2_tool_result.json", profile: "zai-coding",
		replies: []string{"stream_glm47flash_tool_call_no_tool_stream.sse", "stream_glm47flash_text_with_reasoning.sse"},
		run: func(t *testing.T, c *testClient) {
			req := Request{
				Model: "glm-4.7-flash",
				Messages: []Message{{Role: RoleSystem, Content: "You are a helpful assistant"},
					{Role: RoleUser, Content: "What's the weather in Florence,Italy?"}},
				MaxTokens: Ptr(4000), Stream: true, StreamOptions: &StreamOptions{IncludeUsage: true},
				ToolChoice: ChooseMode(ToolChoiceAuto), Tools: []Tool{weatherTool},
			}
			msg := mustComplete(t, c, req).Message()
			msg.Content = "I'll get the current weather information for Florence, Italy for you."
			msg.ReasoningContent = `The user is asking for the weather in Florence, Italy. I have access to a weather function that can get weather information for a location. The function requires a "location" parameter, which should be a city. The user has specified "Florence,Italy" as the location, so I should use that exact value.`
			req.Messages = append(req.Messages, msg, Message{Role: RoleTool, ToolCallID: msg.ToolCalls[0].ID, Content: "40 C"})
			mustComplete(t, c, req)
		},
	},
	{
		name: "zai thinking and tool_stream", fixture: "request_zai_glm47_tools_thinking_stream.json", profile: "zai",
		replies: []string{"stream_INFERRED_tool_stream_true_fragments.sse"},
		run: func(t *testing.T, c *testClient) {
			tool := getWeatherTool
			tool.Function.Parameters = json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","description":"City Name"}},"required":["city"]}`)
			mustComplete(t, c, Request{
				Messages: []Message{{Role: RoleSystem, Content: "You are a coding agent. Use tools when needed."},
					{Role: RoleUser, Content: "What's the weather in Beijing?"}},
				Tools: []Tool{tool}, ToolChoice: ChooseMode(ToolChoiceAuto),
				Thinking: &Thinking{Type: "enabled", ClearThinking: Ptr(false)},
				Stream:   true, ToolStream: Ptr(true), Temperature: Ptr(1.0), TopP: Ptr(0.95), MaxTokens: Ptr(32768),
				RequestID: "agent-run-42-turn-1", UserID: "user-000123",
			})
		},
	},
	{
		// The aimlapi profile asks for usage in the stream by itself.
		name: "aimlapi max_completion_tokens stream", fixture: "request_aimlapi_glm47_tools_stream.json", profile: "aimlapi",
		replies: []string{"stream_glm47flash_tool_call_no_tool_stream.sse"},
		run: func(t *testing.T, c *testClient) {
			mustComplete(t, c, Request{
				Messages: []Message{{Role: RoleUser, Content: "What's the weather in Beijing?"}},
				Tools:    []Tool{getWeatherTool}, ToolChoice: ChooseMode(ToolChoiceAuto),
				MaxCompletionTokens: Ptr(32768), Stream: true,
			})
		},
	},
}

func TestClient_Complete_goldenRequests(t *testing.T) {
	for _, tt := range goldenRequests {
		t.Run(tt.name, func(t *testing.T) {
			var replies []reply
			for _, r := range tt.replies {
				replies = append(replies, fixtureReply(t, r, 200))
			}
			f := newFakeAPI(t, replies...)
			c := newTestClient(t, f, tt.profile, nil)
			tt.run(t, c)
			reqs := f.requests()
			if len(reqs) != len(tt.replies) {
				t.Fatalf("%d requests sent, want %d", len(reqs), len(tt.replies))
			}
			last := reqs[len(reqs)-1]
			want := readFixture(t, tt.fixture)
			if !jsonEqual(t, last.body, want) {
				t.Errorf("request body differs from %s\n got: %s\nwant: %s", tt.fixture, last.body, compact(t, want))
			}
			for _, r := range reqs {
				checkKeyOnlyInHeader(t, r)
			}
		})
	}
}

// checkKeyOnlyInHeader asserts the key travelled as the bearer token and nowhere else.
func checkKeyOnlyInHeader(t *testing.T, r recorded) {
	t.Helper()
	if got := r.header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
	if r.url != "/v4/chat/completions" {
		t.Errorf("path = %q", r.url)
	}
	if bytes.Contains(r.body, []byte(testKey)) || strings.Contains(r.url, testKey) {
		t.Errorf("key found in the body or URL")
	}
	for name, vals := range r.header {
		if name != "Authorization" && strings.Contains(strings.Join(vals, " "), testKey) {
			t.Errorf("key found in header %s", name)
		}
	}
}

func compact(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestClient_Encode_matchesSentBody(t *testing.T) {
	f := newFakeAPI(t, fixtureReply(t, "response_glm47flash_nonstream_parallel_tool_calls.json", 200))
	c := newTestClient(t, f, "zai-coding", nil)
	req := fantasyTurn1()
	want, err := c.Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	resp := mustComplete(t, c, req)
	if got := f.requests()[0].body; !bytes.Equal(got, want) || !bytes.Equal(resp.Exchange.RequestBody, want) {
		t.Errorf("sent %s\nrecorded %s\nEncode %s", got, resp.Exchange.RequestBody, want)
	}
}
