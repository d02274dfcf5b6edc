package glmtest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

const testKey = "sk-test-SECRET-0123456789abcdef"

// newClient returns the real client pointed at srv, with the zai profile's rules and no
// retries unless mod says otherwise.
func newClient(t *testing.T, srv *glmtest.Server, mod ...func(*glm.Config)) *glm.Client {
	t.Helper()
	p, err := glm.LookupProfile("zai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := glm.Config{Profile: p, BaseURL: srv.URL, APIKey: testKey, MaxAttempts: 1}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := glm.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func userReq(stream bool, text string) glm.Request {
	return glm.Request{Messages: []glm.Message{{Role: glm.RoleUser, Content: text}}, Stream: stream,
		Tools: []glm.Tool{{Function: glm.Function{Name: "add", Parameters: []byte(`{"type":"object"}`)}}}}
}

// events records what the client delivered.
type events struct {
	mu  sync.Mutex
	evs []glm.Event
}

func (e *events) add(ev glm.Event) { e.mu.Lock(); e.evs = append(e.evs, ev); e.mu.Unlock() }

func (e *events) types() []glm.EventType {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []glm.EventType
	for _, ev := range e.evs {
		out = append(out, ev.Type)
	}
	return out
}

// compact collapses runs of the same value.
func compact[T comparable](s []T) []T { return slices.Compact(slices.Clone(s)) }

func complete(t *testing.T, c *glm.Client, req glm.Request) (*glm.Response, *events) {
	t.Helper()
	ev := &events{}
	resp, err := c.Complete(context.Background(), req, ev.add)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return resp, ev
}

var parallelTurn = glmtest.Turn{
	Reasoning: "The user wants both.\n\nCall add and multiply.",
	Content:   "I'll add and multiply 2 and 3.",
	ToolCalls: []glmtest.Call{
		{Name: "add", Arguments: `{"a":2,"b":3}`},
		{ID: "call_-7807255211226955506", Name: "multiply", Arguments: `{"a":2,"b":3}`},
	},
}

func TestClientParsesBothModes(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			srv := glmtest.New(t, parallelTurn, glmtest.Turn{Reasoning: "Done.", Content: "5 and 6."})
			c := newClient(t, srv)
			resp, ev := complete(t, c, userReq(stream, "add and multiply 2 and 3"))
			m := resp.Message()
			if m.Role != glm.RoleAssistant || m.Content != parallelTurn.Content || m.ReasoningContent != parallelTurn.Reasoning {
				t.Errorf("message = %+v", m)
			}
			want := []glm.ToolCall{
				{ID: "call_1", Type: "function", Index: 0, Function: glm.FunctionCall{Name: "add", Arguments: `{"a":2,"b":3}`}},
				{ID: "call_-7807255211226955506", Type: "function", Index: 1, Function: glm.FunctionCall{Name: "multiply", Arguments: `{"a":2,"b":3}`}},
			}
			if !slices.Equal(m.ToolCalls, want) {
				t.Errorf("tool calls = %+v, want %+v", m.ToolCalls, want)
			}
			if resp.Choices[0].FinishReason != glm.FinishToolCalls || resp.Err() != nil {
				t.Errorf("finish = %q, err %v", resp.Choices[0].FinishReason, resp.Err())
			}
			u := resp.Usage
			if u == nil || u.PromptTokens < 1 || u.CompletionTokens < 1 || u.TotalTokens != u.PromptTokens+u.CompletionTokens ||
				u.ReasoningTokens != 8 {
				t.Errorf("usage = %+v", u)
			}
			if resp.LogID == "" || resp.RequestID != resp.LogID || resp.ID == "" || resp.Model != "glm-4.7" || resp.Created == 0 {
				t.Errorf("ids: id %q request_id %q log id %q model %q created %d", resp.ID, resp.RequestID, resp.LogID, resp.Model, resp.Created)
			}
			if got := compact(ev.types()); !slices.Equal(got, []glm.EventType{glm.EventReasoningDelta, glm.EventContentDelta, glm.EventToolCallDelta, glm.EventUsage}) {
				t.Errorf("event order = %v", got)
			}
			if stream != resp.Exchange.Streamed {
				t.Errorf("streamed = %v", resp.Exchange.Streamed)
			}

			// The next turn, with the call ids the model issued, is the second script entry.
			next := userReq(stream, "add and multiply 2 and 3")
			next.Messages = append(next.Messages, m,
				glm.Message{Role: glm.RoleTool, ToolCallID: "call_1", Content: "5"},
				glm.Message{Role: glm.RoleTool, ToolCallID: "call_-7807255211226955506", Content: "6"})
			resp, _ = complete(t, c, next)
			if m := resp.Message(); m.Content != "5 and 6." || len(m.ToolCalls) != 0 || resp.Choices[0].FinishReason != glm.FinishStop {
				t.Errorf("second answer = %+v", resp)
			}
			if srv.Remaining() != 0 || srv.Count() != 2 {
				t.Errorf("remaining %d, count %d", srv.Remaining(), srv.Count())
			}
		})
	}
}

func TestStreamFragmentsWithToolStream(t *testing.T) {
	turn := glmtest.Turn{Reasoning: "Need weather for Beijing.", ToolCalls: []glmtest.Call{
		{Name: "get_weather", Arguments: `{"city":"Beijing","days":3}`},
		{Name: "broken", Arguments: `{"a":`}, // invalid on purpose: passed through verbatim
	}}
	srv := glmtest.New(t, turn)
	c := newClient(t, srv)
	req := userReq(true, "weather?")
	req.ToolStream = glm.Ptr(true)
	resp, ev := complete(t, c, req)
	calls := resp.Message().ToolCalls
	if len(calls) != 2 || calls[0].ID != "call_1" || calls[0].Function.Name != "get_weather" ||
		calls[0].Function.Arguments != `{"city":"Beijing","days":3}` || calls[1].ID != "call_2" ||
		calls[1].Function.Arguments != `{"a":` || calls[1].Index != 1 {
		t.Fatalf("tool calls = %+v", calls)
	}
	n := 0
	for _, e := range ev.evs {
		if e.Type == glm.EventToolCallDelta {
			n++
		}
	}
	if n != 7 { // get_weather: id+name, then 3 pieces; broken: id+name, then 2 pieces
		t.Errorf("%d tool-call deltas, want 7", n)
	}
}

func TestRepeatFinalCountsUsageOnce(t *testing.T) {
	u := &glm.Usage{PromptTokens: 275, CompletionTokens: 112, CachedTokens: 43, ReasoningTokens: 64}
	srv := glmtest.New(t, glmtest.Turn{Content: "hi", Usage: u, RepeatFinal: true})
	resp, ev := complete(t, newClient(t, srv), userReq(true, "hi"))
	want := glm.Usage{PromptTokens: 275, CompletionTokens: 112, TotalTokens: 387, CachedTokens: 43, ReasoningTokens: 64}
	if resp.Usage == nil || *resp.Usage != want {
		t.Errorf("usage = %+v, want %+v", resp.Usage, want)
	}
	usage := 0
	for _, e := range ev.evs {
		if e.Type == glm.EventUsage {
			usage++
		}
	}
	if usage != 1 {
		t.Errorf("%d usage events", usage)
	}
	frames := rawStream(t, srv, glmtest.Turn{Content: "hi", RepeatFinal: true}, false)
	if n := len(frames); n < 4 || frames[n-2] != frames[n-3] || frames[n-1] != "[DONE]" {
		t.Errorf("final chunk not repeated: %q", frames)
	}
}

// post sends body to the fake's endpoint and returns the answer.
func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// rawStream pushes turn and returns the data of each event of the streamed answer, checking
// the framing: only "data: …" lines, each event ended by a blank line.
func rawStream(t *testing.T, srv *glmtest.Server, turn glmtest.Turn, toolStream bool) []string {
	t.Helper()
	srv.Push(turn)
	body := `{"model":"glm-4.7","messages":[{"role":"user","content":"hi"}],"stream":true`
	if toolStream {
		body += `,"tool_stream":true`
	}
	res, b := post(t, srv.URL+"/chat/completions", body+"}")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !bytes.HasSuffix(b, []byte("\n\n")) {
		t.Fatalf("stream does not end with a blank line: %q", b)
	}
	var out []string
	for ev := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("bad event %q", ev)
		}
		out = append(out, data)
	}
	var first struct{ ID string }
	if err := json.Unmarshal([]byte(out[0]), &first); err != nil || first.ID == "" || res.Header.Get("X-Log-Id") != first.ID {
		t.Errorf("x-log-id %q, chunk id %q (%v)", res.Header.Get("X-Log-Id"), first.ID, err)
	}
	return out
}

// shape lists the JSON paths of v with their types; array elements share the path "[]".
func shape(v any, path string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range v {
			shape(e, path+"."+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range v {
			shape(e, path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "bool"
	case nil:
		out[path] = "null"
	}
}

func shapeOf(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	out := map[string]string{}
	shape(v, "", out)
	return out
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureEvents(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for ev := range strings.SplitSeq(strings.TrimSpace(string(fixture(t, name))), "\n\n") {
		out = append(out, strings.TrimPrefix(ev, "data: "))
	}
	return out
}

// kind sorts a stream event by what it carries.
func kind(t *testing.T, data string) string {
	if data == "[DONE]" {
		return "done"
	}
	var c struct {
		Choices []struct {
			FinishReason *string `json:"finish_reason"`
			Delta        struct {
				Content          string
				ReasoningContent string `json:"reasoning_content"`
				ToolCalls        []struct {
					ID string
				} `json:"tool_calls"`
			}
		}
		Error any
	}
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	switch {
	case c.Error != nil:
		return "error"
	case c.Choices[0].FinishReason != nil:
		return "final"
	case c.Choices[0].Delta.ReasoningContent != "":
		return "reasoning"
	case c.Choices[0].Delta.Content != "":
		return "content"
	case len(c.Choices[0].Delta.ToolCalls) > 0 && c.Choices[0].Delta.ToolCalls[0].ID != "":
		return "call"
	case len(c.Choices[0].Delta.ToolCalls) > 0:
		return "fragment"
	}
	return "other"
}

// compareStream checks that the fake's events come in the same order of kinds as a recording
// and that each kind of event has the recording's JSON shape.
func compareStream(t *testing.T, got, rec []string) {
	t.Helper()
	kinds := func(evs []string) ([]string, map[string]map[string]string) {
		var ks []string
		shapes := map[string]map[string]string{}
		for _, ev := range evs {
			k := kind(t, ev)
			ks = append(ks, k)
			if k != "done" {
				shapes[k] = shapeOf(t, []byte(ev))
			}
		}
		return compact(ks), shapes
	}
	gk, gs := kinds(got)
	rk, rs := kinds(rec)
	if !slices.Equal(gk, rk) {
		t.Errorf("event kinds %v, recording %v", gk, rk)
	}
	for k, want := range rs {
		if !mapsEqual(gs[k], want) {
			t.Errorf("%s chunk shape\n got %v\nwant %v", k, gs[k], want)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The fake's bodies have the shapes of the recorded real traffic.
func TestShapesMatchRecordings(t *testing.T) {
	srv := glmtest.New(t)
	t.Run("nonstream", func(t *testing.T) {
		srv.Push(parallelTurn)
		res, b := post(t, srv.URL+"/chat/completions", `{"model":"glm-4.7-flash","messages":[{"role":"user","content":"hi"}]}`)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("status %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		got, want := shapeOf(t, b), shapeOf(t, fixture(t, "response_glm47flash_nonstream_parallel_tool_calls.json"))
		if !mapsEqual(got, want) {
			t.Errorf("shape\n got %v\nwant %v", got, want)
		}
		var body struct{ ID, RequestID, Model string }
		_ = json.Unmarshal(b, &body)
		var rid struct {
			RequestID string `json:"request_id"`
		}
		_ = json.Unmarshal(b, &rid)
		if res.Header.Get("X-Log-Id") != rid.RequestID || rid.RequestID != body.ID || len(body.ID) != 30 || body.Model != "glm-4.7-flash" {
			t.Errorf("x-log-id %q, request_id %q, id %q, model %q", res.Header.Get("X-Log-Id"), rid.RequestID, body.ID, body.Model)
		}
	})
	t.Run("stream", func(t *testing.T) {
		turn := parallelTurn
		turn.RepeatFinal = true
		compareStream(t, rawStream(t, srv, turn, false), fixtureEvents(t, "stream_glm47flash_parallel_tool_calls.sse"))
	})
	t.Run("stream text", func(t *testing.T) {
		compareStream(t, rawStream(t, srv, glmtest.Turn{Reasoning: "The weather function returned.", Content: "It is hot."}, false),
			fixtureEvents(t, "stream_glm47flash_text_with_reasoning.sse"))
	})
	t.Run("tool_stream", func(t *testing.T) {
		turn := glmtest.Turn{Reasoning: "Need weather for Beijing.", ToolCalls: []glmtest.Call{{ID: "call_0123456789abcdef01234567", Name: "get_weather", Arguments: `{"city":"Beijing"}`}}}
		got := rawStream(t, srv, turn, true)
		compareStream(t, got, fixtureEvents(t, "stream_INFERRED_tool_stream_true_fragments.sse"))
		var frags []string
		for _, ev := range got {
			if k := kind(t, ev); k == "call" || k == "fragment" {
				frags = append(frags, ev[strings.Index(ev, `"tool_calls"`):])
			}
		}
		want := []string{
			`"tool_calls":[{"id":"call_0123456789abcdef01234567","index":0,"type":"function","function":{"name":"get_weather","arguments":""}}]}}]}`,
			`"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}`,
			`"tool_calls":[{"index":0,"function":{"arguments":"\"Beijing\"}"}}]}}]}`,
		}
		if !slices.Equal(frags, want) {
			t.Errorf("fragments\n got %q\nwant %q", frags, want)
		}
	})
	t.Run("midstream error", func(t *testing.T) {
		turn := glmtest.Turn{Reasoning: "Let", Error: &glmtest.Error{Code: "1302", InStream: true}}
		got := rawStream(t, srv, turn, false)
		rec := fixtureEvents(t, "stream_INFERRED_midstream_error_1302.sse")
		compareStream(t, got, rec)
		if got[len(got)-1] != rec[len(rec)-1] {
			t.Errorf("error frame %s, recording %s", got[len(got)-1], rec[len(rec)-1])
		}
	})
}

func TestErrors(t *testing.T) {
	cases := []struct {
		code      string
		status    int
		kind      glm.ErrorKind
		retryable bool
		fixture   string
	}{
		{"1001", 401, glm.KindAuth, false, "error_401_1001_docs_example.json"},
		{"1113", 429, glm.KindQuota, false, "error_429_1113_COMPOSED_from_docs_table.json"},
		{"1210", 400, glm.KindInvalidRequest, false, "error_400_1210_invalid_api_parameter_reported.json"},
		{"1214", 400, glm.KindInvalidRequest, false, "error_400_1214_messages_illegal_reported.json"},
		{"1261", 400, glm.KindContextTooLong, false, "error_400_1261_COMPOSED_from_docs_table.json"},
		{"1301", 400, glm.KindContentFilter, false, "error_400_1301_COMPOSED_from_docs_table.json"},
		{"1302", 429, glm.KindRateLimit, true, "error_429_1302_COMPOSED_from_docs_table.json"},
		{"1234", 500, glm.KindServer, true, ""},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", tc.code, stream), func(t *testing.T) {
				srv := glmtest.New(t, glmtest.Turn{Error: &glmtest.Error{Code: tc.code}})
				_, err := newClient(t, srv).Complete(context.Background(), userReq(stream, "hi"), nil)
				var api *glm.APIError
				if !errors.As(err, &api) {
					t.Fatalf("err = %v", err)
				}
				if api.Status != tc.status || api.Code != tc.code || api.Kind != tc.kind || api.Retryable != tc.retryable {
					t.Errorf("error = %+v", api)
				}
				reqs := srv.Requests()
				if len(reqs) != 1 || reqs[0].Status != tc.status || api.RequestID == "" {
					t.Errorf("recorded %+v, request id %q", reqs, api.RequestID)
				}
				if tc.fixture != "" {
					var want struct{ Error struct{ Message string } }
					_ = json.Unmarshal(fixture(t, tc.fixture), &want)
					if api.Message != want.Error.Message {
						t.Errorf("message %q, fixture %q", api.Message, want.Error.Message)
					}
				}
			})
		}
	}
}

func TestErrorBodyAndHeaders(t *testing.T) {
	srv := glmtest.New(t, glmtest.Turn{Error: &glmtest.Error{Code: "1302",
		Header: http.Header{"Retry-After": {"7"}}}})
	res, b := post(t, srv.URL+"/chat/completions", `{"model":"glm-4.7","messages":[{"role":"user","content":"hi"}]}`)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "7" || res.Header.Get("X-Log-Id") == "" {
		t.Errorf("status %d, headers %v", res.StatusCode, res.Header)
	}
	if got, want := shapeOf(t, b), shapeOf(t, fixture(t, "error_429_1302_COMPOSED_from_docs_table.json")); !mapsEqual(got, want) {
		t.Errorf("shape %v, want %v", got, want)
	}

	srv.Push(glmtest.Turn{Error: &glmtest.Error{Code: "1302", Header: http.Header{"Retry-After": {"7"}}}})
	_, err := newClient(t, srv).Complete(context.Background(), userReq(false, "hi"), nil)
	var api *glm.APIError
	if !errors.As(err, &api) || api.RetryAfter != 7*time.Second {
		t.Errorf("err = %v", err)
	}
}

func TestClientRetriesAgainstFake(t *testing.T) {
	srv := glmtest.New(t,
		glmtest.Turn{Error: &glmtest.Error{Code: "1302"}},
		glmtest.Turn{Error: &glmtest.Error{Status: 503}},
		glmtest.Turn{Content: "ok"})
	c := newClient(t, srv, func(cfg *glm.Config) {
		cfg.MaxAttempts = 3
		cfg.Backoff = func(int) time.Duration { return 0 }
	})
	resp, _ := complete(t, c, userReq(true, "hi"))
	if resp.Message().Content != "ok" || resp.Exchange.Attempts != 3 || srv.Count() != 3 {
		t.Errorf("content %q, attempts %d, count %d", resp.Message().Content, resp.Exchange.Attempts, srv.Count())
	}
}

func TestInStreamError(t *testing.T) {
	srv := glmtest.New(t,
		glmtest.Turn{Reasoning: "Let me", Error: &glmtest.Error{Code: "1302", InStream: true}},
		glmtest.Turn{Error: &glmtest.Error{Code: "1302", InStream: true}},
		glmtest.Turn{Error: &glmtest.Error{Code: "1302", InStream: true}})
	c := newClient(t, srv)

	// After output: a StreamError with the partial answer, never retried.
	resp, err := c.Complete(context.Background(), userReq(true, "hi"), nil)
	var se *glm.StreamError
	var api *glm.APIError
	if !errors.As(err, &se) || !errors.As(err, &api) || api.Status != 200 || api.Code != "1302" ||
		resp == nil || resp.Message().ReasoningContent != "Let me" {
		t.Errorf("after output: resp %+v, err %v", resp, err)
	}
	// Before output: the APIError itself.
	_, err = c.Complete(context.Background(), userReq(true, "hi"), nil)
	if errors.As(err, &se) || !errors.As(err, &api) || api.Status != 200 || api.Kind != glm.KindRateLimit {
		t.Errorf("before output: err %v", err)
	}
	// A non-streaming request gets the plain error.
	_, err = c.Complete(context.Background(), userReq(false, "hi"), nil)
	if !errors.As(err, &api) || api.Status != 429 {
		t.Errorf("non-stream: err %v", err)
	}
}

func TestFinishReasons(t *testing.T) {
	for _, f := range []glm.FinishReason{glm.FinishLength, glm.FinishSensitive, glm.FinishNetworkError, glm.FinishContextWindowExceeded} {
		for _, stream := range []bool{false, true} {
			srv := glmtest.New(t, glmtest.Turn{Content: "cut", Finish: string(f)})
			resp, _ := complete(t, newClient(t, srv), userReq(stream, "hi"))
			var fe *glm.FinishError
			if !errors.As(resp.Err(), &fe) || fe.Reason != f || resp.Message().Content != "cut" {
				t.Errorf("%s stream=%v: err %v, content %q", f, stream, resp.Err(), resp.Message().Content)
			}
		}
	}
}

func TestRequestsRecordWhatWasSent(t *testing.T) {
	srv := glmtest.New(t, glmtest.Turn{Content: "hi"})
	c := newClient(t, srv)
	req := userReq(true, "hello")
	req.RequestID = "my-request-0001"
	resp, _ := complete(t, c, req)
	sent, err := c.Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.N != 1 || r.Method != "POST" || r.Path != glmtest.BasePath+"/chat/completions" || r.Status != 200 ||
		r.Header.Get("Authorization") != "Bearer "+testKey || !bytes.Equal(r.Raw, sent) {
		t.Errorf("recorded %+v", r)
	}
	if !r.Body.Stream || r.Body.Model != "glm-4.7" || r.Body.Messages[0].Content != "hello" || r.Body.Tools[0].Function.Name != "add" {
		t.Errorf("body %+v", r.Body)
	}
	if resp.RequestID != "my-request-0001" || resp.LogID != "my-request-0001" {
		t.Errorf("request id %q, log id %q", resp.RequestID, resp.LogID)
	}
	// Requests returns copies.
	reqs[0].Header.Set("Authorization", "changed")
	if srv.Requests()[0].Header.Get("Authorization") != "Bearer "+testKey {
		t.Error("Requests shares the header")
	}
}

func TestRespondAndToolResults(t *testing.T) {
	srv := glmtest.New(t,
		glmtest.Turn{Reasoning: "Two calls.", ToolCalls: []glmtest.Call{{Name: "add", Arguments: `{"a":1}`}, {Name: "add", Arguments: `{"a":2}`}}},
		glmtest.Turn{Delay: time.Millisecond, Respond: func(req glm.Request) glmtest.Turn {
			r := glmtest.ToolResults(req)
			return glmtest.Turn{Content: r["call_1"] + "+" + r["call_2"]}
		}})
	c := newClient(t, srv)
	req := userReq(true, "go")
	resp, _ := complete(t, c, req)
	m := resp.Message()
	req.Messages = append(req.Messages, m)
	for _, tc := range m.ToolCalls {
		req.Messages = append(req.Messages, glm.Message{Role: glm.RoleTool, ToolCallID: tc.ID, Content: "r" + tc.ID})
	}
	resp, _ = complete(t, c, req)
	if got := resp.Message().Content; got != "rcall_1+rcall_2" {
		t.Errorf("content %q", got)
	}
	echoed := srv.Requests()[1].Body.Messages[1]
	if echoed.Role != glm.RoleAssistant || echoed.ReasoningContent != "Two calls." || len(echoed.ToolCalls) != 2 || echoed.ToolCalls[1].ID != "call_2" {
		t.Errorf("echoed assistant message %+v", echoed)
	}
}

func TestToolResults(t *testing.T) {
	req := glm.Request{Messages: []glm.Message{
		{Role: glm.RoleUser, Content: "go"},
		{Role: glm.RoleAssistant, ToolCalls: []glm.ToolCall{{ID: "a"}}},
		{Role: glm.RoleTool, ToolCallID: "a", Content: "old"},
		{Role: glm.RoleAssistant, ToolCalls: []glm.ToolCall{{ID: "b"}, {ID: "c"}}},
		{Role: glm.RoleTool, ToolCallID: "b", Content: "B"},
		{Role: glm.RoleTool, ToolCallID: "c", Content: ""},
	}}
	got := glmtest.ToolResults(req)
	if len(got) != 2 || got["b"] != "B" || got["c"] != "" {
		t.Errorf("ToolResults = %v", got)
	}
	if got := glmtest.ToolResults(glm.Request{Messages: req.Messages[:4]}); len(got) != 0 {
		t.Errorf("no trailing tool messages: %v", got)
	}
}

// recTB records the failures the fake reports instead of failing the test.
type recTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestScriptExhausted(t *testing.T) {
	rt := &recTB{TB: t}
	srv := glmtest.New(rt, glmtest.Turn{Content: "only"})
	c := newClient(t, srv)
	complete(t, c, userReq(false, "1"))
	_, err := c.Complete(context.Background(), userReq(true, "2"), nil)
	var api *glm.APIError
	if !errors.As(err, &api) || api.Status != 500 || !strings.Contains(api.Message, "request 2 arrived after the script ran out (1 turns)") {
		t.Errorf("err = %v", err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.errs) != 1 || !strings.Contains(rt.errs[0], "SetDefault") {
		t.Errorf("reported %q", rt.errs)
	}
}

func TestDefaultAndPush(t *testing.T) {
	srv := glmtest.New(t)
	srv.SetDefault(glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "add", Arguments: "{}"}}})
	c := newClient(t, srv)
	var ids []string
	for range 3 {
		resp, _ := complete(t, c, userReq(false, "go"))
		ids = append(ids, resp.Message().ToolCalls[0].ID)
	}
	if !slices.Equal(ids, []string{"call_1", "call_2", "call_3"}) {
		t.Errorf("ids %v", ids)
	}
	srv.Push(glmtest.Turn{Content: "pushed"})
	if srv.Remaining() != 1 {
		t.Errorf("remaining %d", srv.Remaining())
	}
	resp, _ := complete(t, c, userReq(true, "go"))
	if resp.Message().Content != "pushed" || srv.Remaining() != 0 {
		t.Errorf("content %q", resp.Message().Content)
	}
	resp, _ = complete(t, c, userReq(true, "go"))
	if resp.Message().ToolCalls[0].ID != "call_4" {
		t.Errorf("default after push: %+v", resp.Message())
	}
}

func TestThinkingDisabledDropsReasoning(t *testing.T) {
	srv := glmtest.New(t, glmtest.Turn{Reasoning: "hidden", Content: "shown"})
	req := userReq(true, "hi")
	req.Thinking = &glm.Thinking{Type: "disabled"}
	resp, _ := complete(t, newClient(t, srv), req)
	if m := resp.Message(); m.ReasoningContent != "" || m.Content != "shown" || resp.Usage.ReasoningTokens != 0 {
		t.Errorf("message %+v usage %+v", m, resp.Usage)
	}
}

func TestRefusedRequestsKeepTheScript(t *testing.T) {
	srv := glmtest.New(t, glmtest.Turn{Content: "kept"})
	cases := []struct {
		body, code string
	}{
		{`{"model":`, "1210"},
		{`{"model":"glm-4.7","messages":"hi"}`, "1210"},
		{`{"model":"glm-4.7","messages":[]}`, "1214"},
		{`{"model":"glm-4.7","messages":[{"role":"user","content":"hi"}],"tool_choice":"auto"}`, "1210"},
		{`{"model":"glm-4.7","messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_made_up","content":"x"}]}`, "1214"},
	}
	for _, tc := range cases {
		res, b := post(t, srv.URL+"/chat/completions", tc.body)
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(b, &e); err != nil || res.StatusCode != 400 || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, "glmtest: ") {
			t.Errorf("%s: status %d, body %s", tc.body, res.StatusCode, b)
		}
	}
	if srv.Remaining() != 1 {
		t.Errorf("a refused request used a turn")
	}
	for _, r := range srv.Requests() {
		if r.Status != 400 {
			t.Errorf("request %d recorded status %d", r.N, r.Status)
		}
	}

	res, b := post(t, srv.URL+"/models", `{}`)
	if res.StatusCode != 404 || !strings.Contains(string(b), "POST /api/paas/v4/chat/completions") {
		t.Errorf("wrong path: %d %s", res.StatusCode, b)
	}
	gres, err := http.Get(srv.URL + "/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	gres.Body.Close()
	if gres.StatusCode != 405 {
		t.Errorf("GET: %d", gres.StatusCode)
	}
	if srv.Remaining() != 1 || srv.Count() != len(cases)+2 {
		t.Errorf("remaining %d, count %d", srv.Remaining(), srv.Count())
	}
}

func TestCancelDuringDelay(t *testing.T) {
	srv := glmtest.New(t)
	for _, stream := range []bool{false, true} {
		arrived := make(chan struct{})
		// The outer Delay applies: the Turn that Respond returns leaves it zero.
		srv.Push(glmtest.Turn{Delay: time.Hour, Respond: func(glm.Request) glmtest.Turn {
			close(arrived)
			return glmtest.Turn{Content: "never"}
		}})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-arrived
			cancel()
		}()
		_, err := newClient(t, srv).Complete(ctx, userReq(stream, "hi"), nil)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("stream=%v: err %v", stream, err)
		}
	}
}

func TestHangUntilCancelled(t *testing.T) {
	srv := glmtest.New(t, glmtest.Turn{Reasoning: "thinking hard", Content: "partial answer", Hang: true, ChunkDelay: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := newClient(t, srv).Complete(ctx, userReq(true, "hi"), func(ev glm.Event) {
		if ev.Type == glm.EventContentDelta && ev.Text == " answer" {
			cancel() // as on SIGINT, once the last streamed piece has arrived
		}
	})
	var se *glm.StreamError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if m := resp.Message(); m.ReasoningContent != "thinking hard" || m.Content != "partial answer" || len(m.ToolCalls) != 0 || resp.Choices[0].FinishReason != "" {
		t.Errorf("partial %+v", resp)
	}

	// Non-streaming: nothing is sent.
	arrived := make(chan struct{})
	srv.Push(glmtest.Turn{Respond: func(glm.Request) glmtest.Turn { close(arrived); return glmtest.Turn{Hang: true} }})
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { <-arrived; cancel2() }()
	_, err = newClient(t, srv).Complete(ctx2, userReq(false, "hi"), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("non-stream: err %v", err)
	}
}

func TestCloseEndsHangingStream(t *testing.T) {
	srv := glmtest.New(t, glmtest.Turn{Content: "stuck", Hang: true})
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/chat/completions",
		strings.NewReader(`{"model":"glm-4.7","messages":[{"role":"user","content":"hi"}],"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, `"content":"stuck"`) {
		t.Fatalf("first line %q, %v", line, err)
	}
	srv.Close() // returns although the handler hangs and the client still listens
	rest, _ := io.ReadAll(br)
	if strings.Contains(string(rest), "[DONE]") {
		t.Errorf("a hanging stream finished: %q", rest)
	}
	srv.Close() // idempotent
	if _, err := http.Post(srv.URL+"/chat/completions", "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("a closed server answered")
	}
}

func TestConcurrentRequestsTakeTurnsInOrder(t *testing.T) {
	const n = 8
	srv := glmtest.New(t)
	for i := range n {
		srv.Push(glmtest.Turn{Content: fmt.Sprintf("turn %d", i), ChunkDelay: time.Microsecond})
	}
	c := newClient(t, srv)
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			resp, err := c.Complete(context.Background(), userReq(i%2 == 0, "hi"), nil)
			errs[i] = err
			if err == nil {
				got[i] = resp.Message().Content
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	for i := range n {
		if got[i] != fmt.Sprintf("turn %d", i) {
			t.Errorf("answers %q", got)
			break
		}
	}
	if srv.Remaining() != 0 || srv.Count() != n {
		t.Errorf("remaining %d, count %d", srv.Remaining(), srv.Count())
	}
}

func TestUnicodeAndWhitespaceSurviveStreaming(t *testing.T) {
	text := "  Température: 24 °C\n\n- 東京\tok  "
	srv := glmtest.New(t, glmtest.Turn{Reasoning: text, Content: text, ToolCalls: []glmtest.Call{{Name: "n", Arguments: `{"q":"東京, 大阪"}`}}})
	req := userReq(true, "hi")
	req.ToolStream = glm.Ptr(true)
	resp, _ := complete(t, newClient(t, srv), req)
	m := resp.Message()
	if m.Content != text || m.ReasoningContent != text || m.ToolCalls[0].Function.Arguments != `{"q":"東京, 大阪"}` {
		t.Errorf("message %+v", m)
	}
}
