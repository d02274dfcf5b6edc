package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// fakeModel plays scripted answers and records the requests.
type fakeModel struct {
	profile  glm.Profile
	mu       sync.Mutex
	requests []glm.Request
	answer   func(n int, req glm.Request) glm.Message
}

func (f *fakeModel) Complete(_ context.Context, req glm.Request, _ func(glm.Event)) (*glm.Response, error) {
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	msg := f.answer(n, req)
	finish := glm.FinishReason("stop")
	if len(msg.ToolCalls) > 0 {
		finish = "tool_calls"
	}
	return &glm.Response{Choices: []glm.Choice{{Message: msg, FinishReason: finish}}, Usage: &glm.Usage{TotalTokens: 10}}, nil
}

func (f *fakeModel) Encode(req glm.Request) ([]byte, error) { return json.Marshal(req) }
func (f *fakeModel) Profile() glm.Profile                   { return f.profile }

// fakeTools is an MCP client whose tools are Go functions.
type fakeTools struct {
	tools []mcp.Tool
	call  func(ctx context.Context, name string, args map[string]any) (*mcp.CallToolResult, error)
}

func (f *fakeTools) ListTools(context.Context, mcp.ListToolsRequest) (*mcp.ListToolsResult, error) {
	return &mcp.ListToolsResult{Tools: f.tools}, nil
}

func (f *fakeTools) CallTool(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	return f.call(ctx, req.Params.Name, req.GetArguments())
}
func (f *fakeTools) Close() error { return nil }

func echoTool(name string, readOnly bool) mcp.Tool {
	return mcp.NewTool(name, mcp.WithDescription("echo"), mcp.WithString("text", mcp.Required()),
		mcp.WithToolAnnotation(mcp.ToolAnnotation{ReadOnlyHint: &readOnly}))
}

func call(id, name, args string) glm.ToolCall {
	return glm.ToolCall{ID: id, Type: "function", Function: glm.FunctionCall{Name: name, Arguments: args}}
}

func newCatalog(t *testing.T, ft *fakeTools) *Catalog {
	t.Helper()
	c, err := NewCatalog([]*Server{{Name: "local", Client: ft, Tools: ft.tools, Builtin: true}}, CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func zai(t *testing.T) glm.Profile {
	p, err := glm.LookupProfile("zai")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunner_ParallelCallsResultsInOrder(t *testing.T) {
	var running, peak atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(_ context.Context, _ string, args map[string]any) (*mcp.CallToolResult, error) {
		storeMax(&peak, running.Add(1))
		if running.Load() == 2 {
			once.Do(func() { close(release) }) // both calls are in flight at once
		}
		<-release
		running.Add(-1)
		return mcp.NewToolResultText("echo:" + args["text"].(string)), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 0 {
			return glm.Message{Role: "assistant", ReasoningContent: "think", ToolCalls: []glm.ToolCall{call("c1", "echo", `{"text":"a"}`), call("c2", "echo", `{"text":"b"}`)}}
		}
		return glm.Message{Role: "assistant", Content: "done"}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), ParallelToolCalls: true}
	res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Answer != "done" || res.Steps != 2 || peak.Load() != 2 {
		t.Fatalf("answer %q steps %d peak concurrency %d", res.Answer, res.Steps, peak.Load())
	}
	second := model.requests[1].Messages
	if len(second) != 4 || second[1].ReasoningContent != "think" || len(second[1].ToolCalls) != 2 {
		t.Fatalf("second request should echo the assistant message with reasoning and calls: %+v", second)
	}
	if second[2].ToolCallID != "c1" || second[2].Content != "echo:a" || second[3].ToolCallID != "c2" || second[3].Content != "echo:b" {
		t.Errorf("tool messages out of order: %+v", second[2:])
	}
}

func TestRunner_SequentialWhenParallelOff(t *testing.T) {
	var running, peak atomic.Int32
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
		storeMax(&peak, running.Add(1))
		defer running.Add(-1)
		return mcp.NewToolResultText("ok"), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 0 {
			var calls []glm.ToolCall
			for i := range 6 {
				calls = append(calls, call(fmt.Sprint("c", i), "echo", `{"text":"x"}`))
			}
			return glm.Message{ToolCalls: calls}
		}
		return glm.Message{Content: "ok"}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), ParallelToolCalls: false}
	if _, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if peak.Load() != 1 {
		t.Errorf("peak concurrency %d with parallel calls off, want 1", peak.Load())
	}
	if p := model.requests[0].ParallelToolCalls; p == nil || *p {
		t.Errorf("parallel_tool_calls should be sent as false")
	}
}

func TestRunner_BadCallsGoBackToTheModel(t *testing.T) {
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("ok"), nil
	}}
	bad := []glm.ToolCall{
		call("c1", "echo", `{"text":`),         // invalid JSON
		call("c2", "echo", `{"text": 5}`),      // schema violation
		call("c3", "nosuch", `{}`),             // unknown tool
		call("c4", "echo", `{"text": "fine"}`), // a good one in the same message
	}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 0 {
			return glm.Message{ToolCalls: bad}
		}
		return glm.Message{Content: "corrected"}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), ParallelToolCalls: true}
	res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	tools := res.Messages[2:6]
	wants := []string{"not valid JSON", "invalid arguments for echo: text must be a string, got number", "unknown tool \"nosuch\"; the available tools are: echo", "ok"}
	for i, want := range wants {
		if tools[i].ToolCallID != bad[i].ID || !strings.Contains(tools[i].Content, want) {
			t.Errorf("result %d = %+v, want id %s containing %q", i, tools[i], bad[i].ID, want)
		}
	}
	if !strings.Contains(tools[1].Content, `"text"`) {
		t.Errorf("a schema violation should quote the schema: %s", tools[1].Content)
	}
}

func TestRunner_RepeatedFailureStops(t *testing.T) {
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultError("no such thing"), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		return glm.Message{ToolCalls: []glm.ToolCall{call(fmt.Sprint("c", n), "echo", `{"text":"same"}`)}}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft)}
	res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
	if !errors.Is(err, ErrRepeatedFailure) || res.Steps != 3 || !strings.Contains(err.Error(), "no such thing") {
		t.Fatalf("want ErrRepeatedFailure after 3 steps, got %v after %d", err, res.Steps)
	}
}

func TestRunner_MaxSteps(t *testing.T) {
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("again"), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		return glm.Message{ToolCalls: []glm.ToolCall{call(fmt.Sprint("c", n), "echo", fmt.Sprintf(`{"text":"%d"}`, n))}}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), MaxSteps: 2}
	res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
	if !errors.Is(err, ErrMaxSteps) || res.Steps != 2 || len(model.requests) != 2 {
		t.Fatalf("want ErrMaxSteps after 2 completion calls, got %v, %d steps, %d requests", err, res.Steps, len(model.requests))
	}
}

func TestRunner_ToolChoice(t *testing.T) {
	aiml, _ := glm.LookupProfile("aimlapi")
	tests := []struct {
		name       string
		profile    glm.Profile
		choice     *glm.ToolChoice
		wantChoice []string // tool_choice on the wire per request ("" for none)
		wantTools  []int    // number of tools per request
		wantNudge  bool
	}{
		{"zai required is emulated", zai(t), glm.ChooseMode("required"), []string{"", "", `"auto"`}, []int{2, 2, 2}, true},
		{"zai named offers only that tool", zai(t), glm.ChooseFunction("echo"), []string{"", "", `"auto"`}, []int{1, 1, 2}, true},
		{"zai none sends no tools", zai(t), glm.ChooseMode("none"), []string{""}, []int{0}, false},
		{"aimlapi required is sent, then auto", aiml, glm.ChooseMode("required"), []string{`"required"`, `"auto"`}, []int{2, 2}, false},
		{"aimlapi named is sent", aiml, glm.ChooseFunction("echo"), []string{`{"type":"function","function":{"name":"echo"}}`, `"auto"`}, []int{2, 2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true), echoTool("other", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
				return mcp.NewToolResultText("ok"), nil
			}}
			model := &fakeModel{profile: tc.profile}
			model.answer = func(n int, req glm.Request) glm.Message {
				last := req.Messages[len(req.Messages)-1]
				if len(req.Tools) > 0 && (last.Role == "user" && strings.HasPrefix(last.Content, "Call ") || tc.profile.Name == "aimlapi" && n == 0) {
					return glm.Message{ToolCalls: []glm.ToolCall{call("c1", "echo", `{"text":"x"}`)}}
				}
				return glm.Message{Content: "answer without tools"}
			}
			r := &Runner{Model: model, Catalog: newCatalog(t, ft), ToolChoice: tc.choice}
			res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(model.requests) != len(tc.wantChoice) {
				t.Fatalf("%d requests, want %d", len(model.requests), len(tc.wantChoice))
			}
			for i, req := range model.requests {
				got := ""
				if req.ToolChoice != nil {
					b, _ := json.Marshal(req.ToolChoice)
					got = string(b)
				}
				if got != tc.wantChoice[i] || len(req.Tools) != tc.wantTools[i] {
					t.Errorf("request %d: tool_choice %s with %d tools, want %s with %d", i, got, len(req.Tools), tc.wantChoice[i], tc.wantTools[i])
				}
			}
			nudged := false
			for _, m := range res.Messages {
				nudged = nudged || (m.Role == "user" && strings.HasPrefix(m.Content, "Call "))
			}
			if nudged != tc.wantNudge {
				t.Errorf("nudged = %v, want %v", nudged, tc.wantNudge)
			}
		})
	}
}

func TestRunner_ApprovalAndOutputCut(t *testing.T) {
	ft := &fakeTools{tools: []mcp.Tool{echoTool("write", false), echoTool("big", true)}, call: func(_ context.Context, name string, _ map[string]any) (*mcp.CallToolResult, error) {
		if name == "write" {
			t.Error("a tool that is not read-only ran without approval")
		}
		return mcp.NewToolResultText(strings.Repeat("é", 50)), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 0 {
			return glm.Message{ToolCalls: []glm.ToolCall{call("w", "write", `{"text":"x"}`), call("b", "big", `{"text":"x"}`)}}
		}
		return glm.Message{Content: "ok"}
	}}
	rec := &memRecorder{}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), MaxToolOutput: 10, Recorder: rec}
	res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Messages[2].Content; !strings.Contains(got, "needs the user's approval") || strings.Contains(got, "--") {
		t.Errorf("refusal should state the fact and name no flag: %q", got)
	}
	if got := res.Messages[3].Content; !strings.HasPrefix(got, strings.Repeat("é", 10)+"\n[cut: these are the first 1 line, 10 of 50 characters; 40 more") {
		t.Errorf("output should be cut at 10 characters with a note: %q", got)
	}
	exec := rec.execution(t, "w")
	if !errors.Is(exec.Refusal, ErrNeedsApproval) {
		t.Errorf("the refusal should be typed ErrNeedsApproval, got %v", exec.Refusal)
	}
	if big := rec.execution(t, "b"); big.Result != strings.Repeat("é", 50) || !big.Truncated {
		t.Errorf("the recorder should keep the whole result, marked truncated: %q %v", big.Result, big.Truncated)
	}
}

// storeMax raises m to v if v is larger.
func storeMax(m *atomic.Int32, v int32) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func TestRunner_CutShortAnswerKeepsNoCallWithoutResult(t *testing.T) {
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
		t.Error("a call of an answer cut short ran")
		return mcp.NewToolResultText("ok"), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(int, glm.Request) glm.Message {
		return glm.Message{Content: "partial", ToolCalls: []glm.ToolCall{call("c1", "echo", `{"text":`)}}
	}}
	lengthModel := &finishModel{fakeModel: model, finish: "length"}
	r := &Runner{Model: lengthModel, Catalog: newCatalog(t, ft)}
	res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
	var fe *glm.FinishError
	if !errors.As(err, &fe) {
		t.Fatalf("want a FinishError, got %v", err)
	}
	last := res.Messages[len(res.Messages)-1]
	if last.Content != "partial" || len(last.ToolCalls) != 0 {
		t.Errorf("the stored answer should keep its text and drop the calls: %+v", last)
	}
}

// finishModel ends every answer with the given finish reason.
type finishModel struct {
	*fakeModel
	finish glm.FinishReason
}

func (f *finishModel) Complete(ctx context.Context, req glm.Request, ev func(glm.Event)) (*glm.Response, error) {
	resp, err := f.fakeModel.Complete(ctx, req, ev)
	resp.Choices[0].FinishReason = f.finish
	return resp, err
}

func TestRunner_SequentialCallsRunInOrder(t *testing.T) {
	var mu sync.Mutex
	var order []string
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(_ context.Context, _ string, args map[string]any) (*mcp.CallToolResult, error) {
		mu.Lock()
		order = append(order, args["text"].(string))
		mu.Unlock()
		return mcp.NewToolResultText("ok"), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 0 {
			var calls []glm.ToolCall
			for i := range 10 {
				calls = append(calls, call(fmt.Sprint("c", i), "echo", fmt.Sprintf(`{"text":"%d"}`, i)))
			}
			return glm.Message{ToolCalls: calls}
		}
		return glm.Message{Content: "ok"}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), ParallelToolCalls: false}
	if _, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "0,1,2,3,4,5,6,7,8,9" {
		t.Errorf("calls ran in order %s", got)
	}
}

func TestRunner_CancelledCallsStillGetResultsAndRecords(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(context.Context, string, map[string]any) (*mcp.CallToolResult, error) {
		cancel() // the user presses Ctrl-C while the first tool runs
		return mcp.NewToolResultText("ok"), nil
	}}
	model := &fakeModel{profile: zai(t), answer: func(int, glm.Request) glm.Message {
		return glm.Message{ToolCalls: []glm.ToolCall{call("a", "echo", `{"text":"1"}`), call("b", "echo", `{"text":"2"}`), call("c", "echo", `{"text":"3"}`)}}
	}}
	rec := &memRecorder{}
	r := &Runner{Model: model, Catalog: newCatalog(t, ft), ParallelToolCalls: false, Recorder: rec}
	res, err := r.Run(ctx, []glm.Message{{Role: "user", Content: "hi"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	var ids []string
	for _, m := range res.Messages {
		if m.Role == glm.RoleTool {
			ids = append(ids, m.ToolCallID)
		}
	}
	if strings.Join(ids, ",") != "a,b,c" || len(rec.execs) != 3 || !strings.Contains(res.Messages[4].Content, "cancelled") {
		t.Errorf("every call id needs one result and one record: results %v, %d records, last %q", ids, len(rec.execs), res.Messages[4].Content)
	}
}

// memRecorder keeps what a run records.
type memRecorder struct {
	mu          sync.Mutex
	msgs        []glm.Message
	execs       []ToolExecution
	compactions []CompactReport
}

func (m *memRecorder) RecordMessage(_ context.Context, msg glm.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *memRecorder) RecordToolExecution(_ context.Context, e ToolExecution) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.execs = append(m.execs, e)
	return nil
}

func (m *memRecorder) RecordCompletion(context.Context, Completion) error { return nil }

func (m *memRecorder) RecordCompaction(_ context.Context, _ int, r CompactReport) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.compactions = append(m.compactions, r)
	return nil
}

var _ CompactionRecorder = (*memRecorder)(nil)

// execution returns the recorded execution of a call id.
func (m *memRecorder) execution(t *testing.T, id string) ToolExecution {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.execs {
		if e.CallID == id {
			return e
		}
	}
	t.Fatalf("no execution recorded for call %s", id)
	return ToolExecution{}
}
