package glm

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestLookupProfile(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantURL   string
		wantModel string
		wantKey   string
		wantErr   string
	}{
		{"default is zai", "", "https://api.z.ai/api/paas/v4", "glm-4.7", "ZAI_API_KEY", ""},
		{"zai-coding", "zai-coding", "https://api.z.ai/api/coding/paas/v4", "glm-4.7", "ZAI_API_KEY", ""},
		{"bigmodel", "bigmodel", "https://open.bigmodel.cn/api/paas/v4", "glm-4.7", "ZHIPUAI_API_KEY", ""},
		{"aimlapi", "aimlapi", "https://api.aimlapi.com/v1", "zhipu/glm-4.7", "AIMLAPI_API_KEY", ""},
		{"openai-compatible", "openai-compatible", "", "glm-4.7", "OPENAI_API_KEY", ""},
		{"unknown lists the valid names", "openai", "", "", "", "valid: zai, zai-coding, bigmodel, aimlapi, openai-compatible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LookupProfile(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || p.BaseURL != tt.wantURL || p.Model != tt.wantModel || p.KeyEnv != tt.wantKey {
				t.Errorf("LookupProfile = %+v, %v", p, err)
			}
		})
	}
}

func TestProfiles_cannotBeChangedThroughSlices(t *testing.T) {
	Profiles()[0].ToolChoices[0] = "required"
	if p, _ := LookupProfile("zai"); p.ToolChoices[0] != ToolChoiceAuto {
		t.Fatalf("profile table changed: %v", p.ToolChoices)
	}
}

func TestProfile_Check(t *testing.T) {
	withTools := func(mod func(*Request)) Request {
		r := Request{Messages: []Message{{Role: RoleUser, Content: "u"}}, Tools: []Tool{{Function: Function{Name: "f"}}}}
		mod(&r)
		return r
	}
	tests := []struct {
		name    string
		profile string
		req     Request
		wantErr string
	}{
		{"zai takes auto", "zai", withTools(func(r *Request) { r.ToolChoice = ChooseMode("auto") }), ""},
		{"zai refuses required", "zai", withTools(func(r *Request) { r.ToolChoice = ChooseMode("required") }), `"required" is not accepted by provider zai (accepted: auto)`},
		{"bigmodel refuses a named choice", "bigmodel", withTools(func(r *Request) { r.ToolChoice = ChooseFunction("f") }), `function "f" is not accepted`},
		{"aimlapi takes a named choice", "aimlapi", withTools(func(r *Request) { r.ToolChoice = ChooseFunction("f") }), ""},
		{"zai refuses json_schema", "zai", withTools(func(r *Request) { r.ResponseFormat = &ResponseFormat{Type: FormatJSONSchema} }), "accepted: text, json_object"},
		{"aimlapi does not take thinking", "aimlapi", withTools(func(r *Request) { r.Thinking = &Thinking{Type: "disabled"} }), "thinking"},
		{"openai-compatible does not take tool_stream", "openai-compatible", withTools(func(r *Request) { r.ToolStream = Ptr(true) }), "tool_stream"},
		{"zai takes one stop word", "zai", withTools(func(r *Request) { r.Stop = []string{"a", "b"} }), "accepts 0 to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := LookupProfile(tt.profile)
			err := p.Check(&tt.req)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Check = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	zai, _ := LookupProfile("zai")
	compat, _ := LookupProfile("openai-compatible")
	tests := []struct {
		name    string
		cfg     Config
		wantURL string
		wantErr string
	}{
		{"zero profile is zai", Config{APIKey: "k"}, "https://api.z.ai/api/paas/v4/chat/completions", ""},
		{"override keeps the profile", Config{Profile: zai, APIKey: "k", BaseURL: "http://127.0.0.1:9/v4/"}, "http://127.0.0.1:9/v4/chat/completions", ""},
		{"full endpoint URL accepted", Config{APIKey: "k", BaseURL: "http://h/v1/chat/completions"}, "http://h/v1/chat/completions", ""},
		{"missing key names the variable", Config{Profile: zai}, "", "no API key for provider zai: set ZAI_API_KEY"},
		{"key with a newline", Config{Profile: zai, APIKey: "ab\ncd"}, "", "control characters"},
		{"openai-compatible needs a URL", Config{Profile: compat}, "", "needs a base URL"},
		{"openai-compatible needs no key", Config{Profile: compat, BaseURL: "http://localhost:8080/v1"}, "http://localhost:8080/v1/chat/completions", ""},
		{"bad scheme", Config{APIKey: "k", BaseURL: "ftp://h"}, "", "needs a base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "ab\ncd") {
					t.Errorf("error shows the key")
				}
				return
			}
			if err != nil || c.url != tt.wantURL {
				t.Fatalf("NewClient: url %q, err %v", c.url, err)
			}
		})
	}
	if _, err := NewClient(Config{Profile: zai}); !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("err = %v, want ErrNoAPIKey", err)
	}
}

func TestClient_Complete_refusedBeforeSending(t *testing.T) {
	f := newFakeAPI(t, reply{})
	c := newTestClient(t, f, "zai", nil)
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"out of range", Request{Messages: []Message{{Role: RoleUser, Content: "u"}}, TopP: Ptr(1.2)}, "top_p: 1.2 is out of range: allowed 0.01 to 1"},
		{"capability", Request{Messages: []Message{{Role: RoleUser, Content: "u"}}, Tools: []Tool{{Function: Function{Name: "f"}}},
			ToolChoice: ChooseMode(ToolChoiceRequired)}, "not accepted by provider zai"},
		{"stream_options without stream", Request{Messages: []Message{{Role: RoleUser, Content: "u"}}, StreamOptions: &StreamOptions{}}, "stream_options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Complete(context.Background(), tt.req, nil)
			var pe *ParamError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a ParamError with %q", err, tt.want)
			}
		})
	}
	if f.hits() != 0 {
		t.Errorf("%d requests sent", f.hits())
	}
}

func TestClient_Complete_oddAnswers(t *testing.T) {
	tests := []struct {
		name     string
		stream   bool
		rep      reply
		wantText string
		wantKind ErrorKind
	}{
		{"stream asked, JSON answered", true, reply{body: readFixture(t, "response_glm47flash_nonstream_final_text.json")}, "I've added", KindUnknown},
		{"200 carrying an error object", false, reply{body: readFixture(t, "error_400_1214_messages_illegal_reported.json")}, "", KindInvalidRequest},
		{"error text is not JSON", false, reply{status: 404, body: []byte("404 page not found\n")}, "", KindInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, tt.rep)
			c := newTestClient(t, f, "zai", nil)
			var log eventLog
			resp, err := c.Complete(context.Background(), userRequest(tt.stream), log.add)
			if tt.wantKind != KindUnknown {
				var api *APIError
				if !errors.As(err, &api) || api.Kind != tt.wantKind {
					t.Fatalf("err = %v, want kind %v", err, tt.wantKind)
				}
				return
			}
			if err != nil || !strings.HasPrefix(resp.Message().Content, tt.wantText) || !strings.HasPrefix(log.text(0, EventContentDelta), tt.wantText) {
				t.Fatalf("resp %+v err %v", resp, err)
			}
		})
	}
}

// TestClient_Complete_keyNeverLeaks runs successes, retries and failures, with a server that
// echoes the key back, and looks for the key in everything the client produces.
func TestClient_Complete_keyNeverLeaks(t *testing.T) {
	echo := []byte(`{"error":{"code":"1000","message":"bad token Bearer ` + testKey + `"}}`)
	f := newFakeAPI(t,
		fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429),
		fixtureReply(t, "stream_glm47flash_tool_call_no_tool_stream.sse", 200),
		reply{status: 401, body: echo, header: map[string]string{"X-Log-Id": testKey}})
	c := newTestClient(t, f, "zai", nil)
	resp, err := c.Complete(context.Background(), userRequest(true), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err2 := c.Complete(context.Background(), userRequest(false), nil)
	var api *APIError
	if !errors.As(err2, &api) || api.Kind != KindAuth {
		t.Fatalf("err = %v", err2)
	}
	for what, b := range map[string][]byte{
		"request body":  resp.Exchange.RequestBody,
		"response body": resp.Exchange.ResponseBody,
		"logs":          c.logs.Bytes(),
		"error":         []byte(err2.Error()),
		"error fields":  []byte(api.Message + api.RequestID + api.Hint),
	} {
		if bytes.Contains(b, []byte(testKey)) {
			t.Errorf("key found in %s: %s", what, b)
		}
	}
	if !strings.Contains(c.logs.String(), "retrying") || !strings.Contains(c.logs.String(), "completion attempt") {
		t.Errorf("logs lack the attempt and retry lines: %s", c.logs)
	}
	for _, r := range f.requests() {
		checkKeyOnlyInHeader(t, r)
	}
}

// TestClient_Complete_onRetry: with OnRetry set, each retry is told to it
// (attempt, attempts in all, wait, the error) before the wait, and logged
// at debug level rather than as a warning.
func TestClient_Complete_onRetry(t *testing.T) {
	f := newFakeAPI(t,
		fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429),
		fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429),
		fixtureReply(t, "stream_glm47flash_tool_call_no_tool_stream.sse", 200))
	var got []Retry
	c := newTestClient(t, f, "zai", func(cfg *Config) {
		cfg.OnRetry = func(r Retry) { got = append(got, r) }
	})
	if _, err := c.Complete(context.Background(), userRequest(true), nil); err != nil {
		t.Fatal(err)
	}
	waits := c.recordedWaits()
	if len(got) != 2 || len(waits) != 2 {
		t.Fatalf("%d retries told, %d waits; want 2 and 2", len(got), len(waits))
	}
	for i, r := range got {
		var api *APIError
		if r.Attempt != i+1 || r.MaxAttempts != DefaultMaxAttempts || r.Wait != waits[i] || !errors.As(r.Err, &api) || api.Kind != KindRateLimit {
			t.Errorf("retry %d = %+v, want attempt %d of %d, wait %v, a rate-limit error", i, r, i+1, DefaultMaxAttempts, waits[i])
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(c.logs.String()), "\n") {
		if strings.Contains(line, "glm: retrying") && !strings.Contains(line, `"level":"debug"`) {
			t.Errorf("a retry logged above debug with OnRetry set: %s", line)
		}
	}
}
