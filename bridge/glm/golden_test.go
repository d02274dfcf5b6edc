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
	// drop lists top-level fields of the fixture this client does not send, each explained.
	drop []string
	run  func(t *testing.T, c *testClient)
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
		// The assistant message assembled from the real turn-1 stream is echoed as the real
		// client echoed it.
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
			msg := mustComplete(t, c, req).Message() // the recording is whole: nothing to restore
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
	{
		name: "real glm-4.5 two tools streamed", fixture: "request_glm45_coding_multi_tool_stream.json", profile: "zai-coding",
		replies: []string{"stream_glm45_coding_finish_reason_on_tool_chunks.sse"},
		run: func(t *testing.T, c *testClient) {
			mustComplete(t, c, Request{
				Model: "glm-4.5",
				Messages: []Message{
					{Role: RoleSystem, Content: "You are a helpful assistant. Always use both add and multiply at the same time."},
					{Role: RoleUser, Content: "Add and multiply the number 2 and 3"}},
				MaxTokens: Ptr(4000), Stream: true, StreamOptions: &StreamOptions{IncludeUsage: true},
				ToolChoice: ChooseMode(ToolChoiceAuto),
				Tools:      []Tool{numberTool("add", "Add two numbers"), numberTool("multiply", "Multiply two numbers")},
			})
		},
	},
	{
		name: "real glm-4.5-flash seed and temperature 0", fixture: "request_glm45flash_tool_index_minus1.json", profile: "zai-coding",
		replies: []string{"stream_glm45flash_tool_index_minus1.sse"},
		run: func(t *testing.T, c *testClient) {
			mustComplete(t, c, Request{
				Model:     "glm-4.5-flash",
				Messages:  []Message{{Role: RoleUser, Content: "Generate a software engineer profile"}},
				MaxTokens: Ptr(500), Seed: Ptr(42), Temperature: Ptr(0.0),
				Stream: true, StreamOptions: &StreamOptions{IncludeUsage: true},
				ToolChoice: ChooseMode(ToolChoiceAuto),
				Tools: []Tool{{Type: "function", Function: Function{Name: "structured_output",
					Description: "Generate structured output matching the provided schema",
					Parameters: json.RawMessage(`{"additionalProperties":false,"properties":{"age":{"description":"Person's age in years","minimum":1,"type":"integer"},` +
						`"name":{"description":"Person's full name","type":"string"},"occupation":{"description":"Person's job or profession","type":"string"}},` +
						`"required":["name","age"],"type":"object"}`)}}},
			})
		},
	},
	{
		// Z.ai accepted it: the profile keeps emulating a named choice (GLM-API.md), so the
		// wire form is checked through the openai-compatible profile, which sends it as is.
		name: "real named tool_choice", fixture: "request_glm47flash_named_tool_choice.json", profile: "openai-compatible",
		replies: []string{"stream_glm47flash_named_tool_choice.sse"},
		run: func(t *testing.T, c *testClient) {
			mustComplete(t, c, personRequest())
		},
	},
	{
		name: "real reasoning_effort high", fixture: "request_glm47flash_reasoning_effort.json", profile: "zai-coding",
		replies: []string{"response_glm47flash_reasoning_effort.json"},
		run: func(t *testing.T, c *testClient) {
			resp := mustComplete(t, c, Request{
				Model: "glm-4.7-flash",
				Messages: []Message{{Role: RoleSystem, Content: "You are a helpful assistant"},
					{Role: RoleUser, Content: "What's the weather in Florence, Italy?"}},
				ReasoningEffort: "high", ToolChoice: ChooseMode(ToolChoiceAuto), Tools: []Tool{weatherTool},
			})
			if resp.Usage == nil || resp.Usage.ReasoningTokens != 61 {
				t.Errorf("usage = %+v, want 61 reasoning tokens", resp.Usage)
			}
		},
	},
	{
		// OpenRouter's own "usage":{"include":true} is not sent: stream_options.include_usage
		// already asks for usage, which every OpenRouter recording here carries.
		name: "real OpenRouter stream request", fixture: "request_openrouter_glm_tool_stream.json", profile: "openai-compatible",
		replies: []string{"stream_openrouter_glm_reasoning_field.sse"}, drop: []string{"usage"},
		run: func(t *testing.T, c *testClient) {
			mustComplete(t, c, Request{
				Model: "z-ai/glm-5-turbo",
				Messages: []Message{{Role: RoleSystem, Content: "You are a helpful assistant"},
					{Role: RoleUser, Content: "What's the weather in Florence,Italy?"}},
				MaxTokens: Ptr(4000), Stream: true, ToolChoice: ChooseMode(ToolChoiceAuto), Tools: []Tool{weatherTool},
			})
		},
	},
}

// personRequest is the recorded request with a named tool_choice.
func personRequest() Request {
	return Request{
		Model:     "glm-4.7-flash",
		Messages:  []Message{{Role: RoleUser, Content: "Generate information about a person named Alice who is 30 years old and lives in Paris."}},
		MaxTokens: Ptr(4000), Stream: true, StreamOptions: &StreamOptions{IncludeUsage: true},
		ToolChoice: ChooseFunction("Person"),
		Tools: []Tool{{Type: "function", Function: Function{Name: "Person", Strict: Ptr(false), Description: "A person with name, age, and city",
			Parameters: json.RawMessage(`{"properties":{"age":{"description":"The person's age","type":"integer"},` +
				`"city":{"description":"The city where the person lives","type":"string"},"name":{"description":"The person's name","type":"string"}},` +
				`"required":["name","age","city"],"type":"object"}`)}}},
	}
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
			want := dropFields(t, readFixture(t, tt.fixture), tt.drop)
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

// dropFields returns the JSON object b without the named top-level fields.
func dropFields(t *testing.T, b []byte, names []string) []byte {
	t.Helper()
	if len(names) == 0 {
		return b
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, ok := m[n]; !ok {
			t.Fatalf("field %q is not in the fixture", n)
		}
		delete(m, n)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
