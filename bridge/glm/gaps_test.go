package glm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Tests for the gaps of issue 13, each replaying recorded bytes or a SYNTHETIC fixture.

func TestClient_Complete_indexMinus1(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    []wantCall
	}{
		{"real single call at -1", "stream_glm45flash_tool_index_minus1.sse",
			[]wantCall{{"call_2cVvMTo9RGy87YJlhDpUew", "structured_output", `{"name": "Alex Johnson", "age": 28, "occupation": "Software Engineer"}`}}},
		// Two calls at -1 were merged into {"a":2}{"b":3} under the first id.
		{"two parallel calls at -1 stay apart", "stream_SYNTHETIC_two_calls_index_minus1.sse",
			[]wantCall{{"call_A", "add", `{"a":2}`}, {"call_B", "add", `{"b":3}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, fixtureReply(t, tt.fixture, 200))
			c := newTestClient(t, f, "zai-coding", nil)
			var log eventLog
			resp, err := c.Complete(context.Background(), userRequest(true), log.add)
			if err != nil {
				t.Fatal(err)
			}
			calls := resp.Message().ToolCalls
			if len(calls) != len(tt.want) {
				t.Fatalf("%d calls %+v, want %d", len(calls), calls, len(tt.want))
			}
			for i, w := range tt.want {
				got := calls[i]
				if got.ID != w.id || got.Function.Name != w.name || got.Function.Arguments != w.args || got.Index != i {
					t.Errorf("call %d = %+v, want %+v at index %d", i, got, w, i)
				}
				if !json.Valid([]byte(got.Function.Arguments)) {
					t.Errorf("call %d arguments are not JSON: %s", i, got.Function.Arguments)
				}
				if a := log.args(0, i); a != w.args {
					t.Errorf("call %d argument events = %q", i, a)
				}
			}
		})
	}
}

func TestToolCallAssembler_Add_negativeIndex(t *testing.T) {
	var a ToolCallAssembler
	a.Add(ToolCallFragment{Index: -1, HasIndex: true, ID: "x", Name: "f", Arguments: `{"a":`})
	a.Add(ToolCallFragment{Index: -1, HasIndex: true, ID: "y", Name: "g", Arguments: `{}`})
	a.Add(ToolCallFragment{Index: -1, HasIndex: true, Arguments: `1}`}) // neither index nor id: the last call goes on
	calls := a.Calls()
	if len(calls) != 2 || calls[0].ID != "x" || calls[1].ID != "y" || calls[0].Function.Arguments != `{"a":` ||
		calls[1].Function.Arguments != `{}1}` {
		t.Errorf("calls = %+v", calls)
	}
}

func TestResponse_MissingToolCalls(t *testing.T) {
	f := newFakeAPI(t, fixtureReply(t, "stream_SYNTHETIC_finish_tool_calls_without_calls.sse", 200),
		fixtureReply(t, "stream_glm47flash_parallel_tool_calls.sse", 200),
		fixtureReply(t, "stream_glm47flash_text_with_reasoning.sse", 200))
	c := newTestClient(t, f, "zai", nil)
	for i, want := range []bool{true, false, false} {
		resp, err := c.Complete(context.Background(), userRequest(true), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.MissingToolCalls(); got != want {
			t.Errorf("answer %d: MissingToolCalls = %v, want %v (finish %q, %d calls)", i, got, want,
				resp.Choices[0].FinishReason, len(resp.Message().ToolCalls))
		}
	}
	var nilResp *Response
	if nilResp.MissingToolCalls() {
		t.Error("nil response reports missing calls")
	}
}

// TestClient_Complete_openRouterReasoningEchoed: reasoning that came as "reasoning" and
// "reasoning_details" is kept and sent back in those fields on the next turn.
func TestClient_Complete_openRouterReasoningEchoed(t *testing.T) {
	tests := []struct {
		name, fixture string
		stream        bool
		reasoning     string
	}{
		{"stream", "stream_openrouter_glm_reasoning_field.sse", true,
			"The user wants to know the weather in Florence, Italy. Let me call the weather function."},
		{"whitespace-prefixed body", "response_openrouter_glm_whitespace_prefix.json", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, fixtureReply(t, tt.fixture, 200), fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200))
			c := newTestClient(t, f, "openai-compatible", nil)
			req := Request{Model: "z-ai/glm-5-turbo", Stream: tt.stream, Tools: []Tool{weatherTool},
				Messages: []Message{{Role: RoleUser, Content: "What's the weather in Florence,Italy?"}}}
			msg := mustComplete(t, c, req).Message()
			if msg.ReasoningContent == "" || tt.reasoning != "" && msg.ReasoningContent != tt.reasoning {
				t.Fatalf("reasoning = %q", msg.ReasoningContent)
			}
			req.Messages = append(req.Messages, msg)
			for _, tc := range msg.ToolCalls {
				req.Messages = append(req.Messages, Message{Role: RoleTool, ToolCallID: tc.ID, Content: "40 C"})
			}
			if len(msg.ToolCalls) == 0 {
				req.Messages = append(req.Messages, Message{Role: RoleUser, Content: "and in Rome?"})
			}
			mustComplete(t, c, req)
			var sent struct {
				Messages []map[string]json.RawMessage `json:"messages"`
			}
			if err := json.Unmarshal(f.requests()[1].body, &sent); err != nil {
				t.Fatal(err)
			}
			echo := sent.Messages[1]
			var text string
			_ = json.Unmarshal(echo["reasoning"], &text)
			var details []struct {
				Type, Text, Format string
				Index              int
			}
			_ = json.Unmarshal(echo["reasoning_details"], &details)
			if text != msg.ReasoningContent || len(details) != 1 || details[0].Text != msg.ReasoningContent ||
				details[0].Type != "reasoning.text" || details[0].Format != "unknown" {
				t.Errorf("echo reasoning = %q, details = %+v", text, details)
			}
			if _, ok := echo["reasoning_content"]; ok {
				t.Errorf("echo also carries reasoning_content: %s", f.requests()[1].body)
			}
			// A transcript that stores the message as JSON gets the same echo back.
			b, _ := json.Marshal(msg)
			var again Message
			if err := json.Unmarshal(b, &again); err != nil || again.ReasoningContent != msg.ReasoningContent ||
				!jsonEqual(t, again.ReasoningDetails, msg.ReasoningDetails) {
				t.Errorf("round trip = %+v, %v", again, err)
			}
		})
	}
}

func TestClient_Complete_eventErrorFrame(t *testing.T) {
	t.Run("after output", func(t *testing.T) {
		f := newFakeAPI(t, fixtureReply(t, "stream_SYNTHETIC_event_error_frame.sse", 200))
		c := newTestClient(t, f, "zai", nil)
		resp, err := c.Complete(context.Background(), userRequest(true), nil)
		var se *StreamError
		var api *APIError
		if !errors.As(err, &se) || !errors.As(err, &api) {
			t.Fatalf("err = %v, want a StreamError wrapping an APIError", err)
		}
		if api.Code != "1234" || !strings.Contains(api.Message, "Network error") || api.Status != 200 || api.Kind != KindServer {
			t.Errorf("APIError = %+v", *api)
		}
		if strings.Contains(err.Error(), "[DONE]") || resp.Message().ReasoningContent != "Let" || f.hits() != 1 {
			t.Errorf("err %q, partial %+v, %d hits", err, resp, f.hits())
		}
	})
	frames := []struct {
		name, data string
		code, msg  string
		hits       int
	}{
		{"rate limit before output is retried", `{"error":{"code":"1302","message":"Rate limit reached for requests"}}`, "1302", "Rate limit reached", 2},
		{"flat object", `{"code":1113,"message":"Insufficient balance"}`, "1113", "Insufficient balance", 1},
		{"plain text", `upstream went away`, "", "upstream went away", 1},
		{"empty object", `{}`, "", "an error occurred during streaming", 1},
	}
	for _, tt := range frames {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte("event: error\ndata: " + tt.data + "\n\n")
			f := newFakeAPI(t, reply{status: 200, sse: true, body: body}, reply{status: 200, sse: true, body: body})
			c := newTestClient(t, f, "zai", func(cfg *Config) { cfg.MaxAttempts = 2 })
			_, err := c.Complete(context.Background(), userRequest(true), nil)
			var api *APIError
			if !errors.As(err, &api) || api.Code != tt.code || !strings.Contains(api.Message, tt.msg) {
				t.Fatalf("err = %v, want code %q message %q", err, tt.code, tt.msg)
			}
			if f.hits() != tt.hits {
				t.Errorf("%d requests, want %d", f.hits(), tt.hits)
			}
		})
	}
}

// TestClient_Complete_notRetriedCodes: account, permission, duplicate-request and daily-limit
// codes are refused after one attempt, and never say "retry after".
func TestClient_Complete_notRetriedCodes(t *testing.T) {
	tests := []struct {
		code    string
		kind    ErrorKind
		profile string
		hint    string
	}{
		{"1110", KindAccount, "zai", "inactive, locked or missing"},
		{"1111", KindAccount, "zai", "inactive, locked or missing"},
		{"1112", KindAccount, "zai", "inactive, locked or missing"},
		{"1120", KindAccount, "zai", "try again later"},
		{"1121", KindAccount, "zai", "inactive, locked or missing"},
		{"1220", KindAccount, "zai", "may not use this model"},
		{"1231", KindConflict, "zai", "new request_id"},
		{"1304", KindQuota, "zai", "daily call limit"},
		{"1113", KindQuota, "zai", "only with the zai-coding provider"},
		{"1113", KindQuota, "zai-coding", "works with the zai provider"},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.profile, func(t *testing.T) {
			body := []byte(fmt.Sprintf(`{"error":{"code":"%s","message":"refused %s"}}`, tt.code, tt.code))
			r := reply{status: 429, body: body, header: map[string]string{"Retry-After": "1"}}
			f := newFakeAPI(t, r, r, r)
			c := newTestClient(t, f, tt.profile, nil)
			_, err := c.Complete(context.Background(), userRequest(false), nil)
			var api *APIError
			if !errors.As(err, &api) || api.Kind != tt.kind || api.Retryable {
				t.Fatalf("err = %#v", err)
			}
			if f.hits() != 1 || len(c.recordedWaits()) != 0 {
				t.Errorf("%d requests, %d waits; want exactly one attempt", f.hits(), len(c.recordedWaits()))
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.hint) || strings.Contains(msg, "retry after") || strings.Contains(msg, "--") {
				t.Errorf("Error() = %q, want the hint %q, no retry-after and no flag", msg, tt.hint)
			}
		})
	}
}

func TestClient_Complete_statusAndShouldRetry(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		wantHits int
	}{
		{"409 is retried", 409, nil, 2},
		{"x-should-retry false stops a 500", 500, map[string]string{"X-Should-Retry": "false"}, 1},
		{"x-should-retry true retries a 400", 400, map[string]string{"X-Should-Retry": "true"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, reply{status: tt.status, header: tt.header, body: []byte(`{"error":{"message":"x"}}`)},
				fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200))
			c := newTestClient(t, f, "zai", nil)
			_, _ = c.Complete(context.Background(), userRequest(false), nil)
			if f.hits() != tt.wantHits {
				t.Errorf("%d requests, want %d", f.hits(), tt.wantHits)
			}
		})
	}
}

// TestClient_Encode_sanitisesInvalidArguments: a model's broken arguments are sent back as
// "{}" while the caller's message keeps them.
func TestClient_Encode_sanitisesInvalidArguments(t *testing.T) {
	f := newFakeAPI(t, fixtureReply(t, "response_SYNTHETIC_invalid_tool_arguments.json", 200),
		fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200))
	c := newTestClient(t, f, "zai", nil)
	req := Request{Tools: []Tool{numberTool("add", "Add")}, Messages: []Message{{Role: RoleUser, Content: "add"}}}
	msg := mustComplete(t, c, req).Message()
	req.Messages = append(req.Messages, msg,
		Message{Role: RoleTool, ToolCallID: "call_bad", Content: "invalid arguments"},
		Message{Role: RoleTool, ToolCallID: "call_good", Content: "2"})
	mustComplete(t, c, req)
	var sent Request
	if err := json.Unmarshal(f.requests()[1].body, &sent); err != nil {
		t.Fatal(err)
	}
	calls := sent.Messages[1].ToolCalls
	if len(calls) != 2 || calls[0].Function.Arguments != "{}" || calls[1].Function.Arguments != `{"a":1,"b":1}` ||
		calls[0].ID != "call_bad" {
		t.Errorf("echoed calls = %+v", calls)
	}
	if msg.ToolCalls[0].Function.Arguments != `{"a":2,"b":` || req.Messages[1].ToolCalls[0].Function.Arguments != `{"a":2,"b":` {
		t.Errorf("the caller's message was changed: %+v", req.Messages[1].ToolCalls)
	}
}

func TestSanitizeArguments(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"object", `{"a":1}`, `{"a":1}`, true},
		{"object with spaces", ` {"a": 1} `, ` {"a": 1} `, true},
		{"cut", `{"a":`, "{}", false},
		{"empty", "", "{}", false},
		{"array", `[1]`, "{}", false},
		{"string", `"x"`, "{}", false},
		{"two objects", `{"a":2}{"b":3}`, "{}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SanitizeArguments(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("SanitizeArguments(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestClient_Complete_thinkingPerRequest: thinking and reasoning_effort are fields of each
// request, so one client can change them turn by turn.
func TestClient_Complete_thinkingPerRequest(t *testing.T) {
	ok := fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200)
	f := newFakeAPI(t, ok, ok, ok)
	c := newTestClient(t, f, "zai", nil)
	turns := []struct {
		thinking *Thinking
		effort   string
		want     string
	}{
		{&Thinking{Type: "enabled"}, "high", `{"type":"enabled"}`},
		{&Thinking{Type: "disabled"}, "", `{"type":"disabled"}`},
		{nil, "", ""},
	}
	for i, tt := range turns {
		req := userRequest(false)
		req.Thinking, req.ReasoningEffort = tt.thinking, tt.effort
		mustComplete(t, c, req)
		var sent map[string]json.RawMessage
		if err := json.Unmarshal(f.requests()[i].body, &sent); err != nil {
			t.Fatal(err)
		}
		if got := string(sent["thinking"]); got != tt.want {
			t.Errorf("turn %d thinking = %s, want %s", i, got, tt.want)
		}
		var effort string
		_ = json.Unmarshal(sent["reasoning_effort"], &effort)
		if effort != tt.effort {
			t.Errorf("turn %d reasoning_effort = %q, want %q", i, effort, tt.effort)
		}
	}
}

func TestIsContextExceeded(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"1261", &APIError{Status: 400, Code: "1261", Kind: KindContextTooLong}, true},
		{"1261 in a stream", &StreamError{Err: &APIError{Status: 200, Code: "1261", Kind: KindContextTooLong}}, true},
		{"wrapped", fmt.Errorf("step 3: %w", &APIError{Kind: KindContextTooLong}), true},
		{"finish window exceeded", &FinishError{Reason: FinishContextWindowExceeded}, true},
		{"finish length", &FinishError{Reason: FinishLength}, false},
		{"rate limit", &APIError{Code: "1302", Kind: KindRateLimit}, false},
		{"nil", nil, false},
		{"plain", errors.New("context length"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsContextExceeded(tt.err); got != tt.want {
				t.Errorf("IsContextExceeded(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	// Through the client, from the 1261 fixture.
	f := newFakeAPI(t, fixtureReply(t, "error_400_1261_COMPOSED_from_docs_table.json", 400))
	c := newTestClient(t, f, "zai", nil)
	if _, err := c.Complete(context.Background(), userRequest(false), nil); !IsContextExceeded(err) {
		t.Errorf("1261 answer: IsContextExceeded(%v) = false", err)
	}
}
