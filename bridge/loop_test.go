package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// scriptModel answers with whatever respond returns and records the requests.
type scriptModel struct {
	profile  glm.Profile
	mu       sync.Mutex
	requests []glm.Request
	respond  func(n int, req glm.Request) (*glm.Response, error)
}

func (f *scriptModel) Complete(_ context.Context, req glm.Request, _ func(glm.Event)) (*glm.Response, error) {
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	return f.respond(n, req)
}

func (f *scriptModel) Encode(req glm.Request) ([]byte, error) {
	return []byte(fmt.Sprint(len(req.Messages))), nil
}
func (f *scriptModel) Profile() glm.Profile { return f.profile }

func answer(msg glm.Message, finish glm.FinishReason) *glm.Response {
	msg.Role = glm.RoleAssistant
	return &glm.Response{Choices: []glm.Choice{{Message: msg, FinishReason: finish}}}
}

func okTools() *fakeTools {
	return &fakeTools{tools: []mcp.Tool{echoTool("echo", true)}, call: func(_ context.Context, _ string, args map[string]any) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("echo:" + fmt.Sprint(args["text"])), nil
	}}
}

func TestRunner_SharedBetweenGoroutines(t *testing.T) {
	model := &fakeModel{profile: zai(t), answer: func(_ int, req glm.Request) glm.Message {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == glm.RoleUser {
			return glm.Message{ToolCalls: []glm.ToolCall{call("c", "echo", fmt.Sprintf(`{"text":%q}`, last.Content))}}
		}
		return glm.Message{Content: "answer to " + req.Messages[0].Content}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, okTools()), ParallelToolCalls: true}
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prompt := fmt.Sprint("q", i)
			res, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: prompt}})
			switch {
			case err != nil:
				errs[i] = err
			case res.Answer != "answer to "+prompt || res.Messages[2].Content != "echo:"+prompt:
				errs[i] = fmt.Errorf("run %d got another run's conversation: %q, %q", i, res.Answer, res.Messages[2].Content)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if r.MaxSteps != 0 || r.ToolConcurrency != 0 || r.ToolTimeout != 0 || r.MaxToolOutput != 0 || r.ContextWindow != 0 {
		t.Errorf("Run changed the Runner's settings: %+v", r)
	}
}

func TestRunner_ResultDoesNotShareTheCallersSlice(t *testing.T) {
	model := &fakeModel{profile: zai(t), answer: func(int, glm.Request) glm.Message { return glm.Message{Content: "ok"} }}
	r := &Runner{Model: model}
	msgs := make([]glm.Message, 1, 8) // spare capacity an append would use
	msgs[0] = glm.Message{Role: glm.RoleUser, Content: "hi"}
	spare := msgs[:2]
	spare[1] = glm.Message{Role: glm.RoleSystem, Content: "caller's"}
	res, err := r.Run(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if spare[1].Content != "caller's" {
		t.Errorf("Run wrote into the caller's array: %+v", spare[1])
	}
	res.Messages[0].Content = "changed"
	if msgs[0].Content != "hi" {
		t.Errorf("Result.Messages shares the caller's array")
	}
}

func TestRunner_MaxStepsIsTyped(t *testing.T) {
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		return glm.Message{ToolCalls: []glm.ToolCall{call(fmt.Sprint("c", n), "echo", fmt.Sprintf(`{"text":"%d"}`, n))}}
	}}
	r := &Runner{Model: model, Catalog: newCatalog(t, okTools()), MaxSteps: 3}
	_, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: "hi"}})
	var mse *MaxStepsError
	if !errors.As(err, &mse) || mse.Steps != 3 || !errors.Is(err, ErrMaxSteps) {
		t.Fatalf("want a *MaxStepsError{3} matching ErrMaxSteps, got %#v", err)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("a library error names a flag: %v", err)
	}
}

func TestIsNudge(t *testing.T) {
	tests := []struct {
		name string
		m    glm.Message
		want bool
	}{
		{"generic", nudgeMessage(glm.ChooseMode(glm.ToolChoiceRequired)), true},
		{"named", nudgeMessage(glm.ChooseFunction("read_file")), true},
		{"user text that starts alike", glm.Message{Role: glm.RoleUser, Content: "Call the plumber now, before answering. Then tell me."}, false},
		{"user asking the same words", glm.Message{Role: glm.RoleUser, Content: "Call the read file tool now, before answering."}, false},
		{"assistant with the text", glm.Message{Role: glm.RoleAssistant, Content: nudgeGeneric}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsNudge(tc.m); got != tc.want {
				t.Errorf("IsNudge(%q) = %v, want %v", tc.m.Content, got, tc.want)
			}
		})
	}
}

func TestRunner_NudgeIsReported(t *testing.T) {
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 1 {
			return glm.Message{ToolCalls: []glm.ToolCall{call("c", "echo", `{"text":"x"}`)}}
		}
		return glm.Message{Content: "plain"}
	}}
	var events []Event
	r := &Runner{Model: model, Catalog: newCatalog(t, okTools()), ToolChoice: glm.ChooseMode(glm.ToolChoiceRequired), Observer: func(ev Event) { events = append(events, ev) }}
	res, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	var nudges []string
	for _, m := range res.Messages {
		if IsNudge(m) {
			nudges = append(nudges, m.Content)
		}
	}
	var reported []string
	for _, ev := range events {
		if ev.Kind == EventNudge {
			reported = append(reported, ev.Text)
		}
	}
	if len(nudges) != 1 || len(reported) != 1 || nudges[0] != reported[0] {
		t.Errorf("nudges in the conversation %q, reported %q; want the same one", nudges, reported)
	}
}

func TestRunner_FinishToolCallsWithoutCalls(t *testing.T) {
	tests := []struct {
		name      string
		empty     int // answers ending "tool_calls" without a call before a good one
		wantErr   error
		wantCalls int
	}{
		{"once: asked again, then answers", 1, nil, 2},
		{"twice: fails with ErrNoToolCalls", 2, ErrNoToolCalls, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := &scriptModel{profile: zai(t), respond: func(n int, _ glm.Request) (*glm.Response, error) {
				if n < tc.empty {
					return answer(glm.Message{Content: ""}, glm.FinishToolCalls), nil
				}
				return answer(glm.Message{Content: "the answer"}, glm.FinishStop), nil
			}}
			r := &Runner{Model: model, Catalog: newCatalog(t, okTools())}
			res, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: "hi"}})
			if !errors.Is(err, tc.wantErr) || len(model.requests) != tc.wantCalls {
				t.Fatalf("err %v after %d requests; want %v after %d", err, len(model.requests), tc.wantErr, tc.wantCalls)
			}
			if err == nil && (res.Answer != "the answer" || len(res.Messages) != 2) {
				t.Errorf("the empty answer should leave no trace: %+v", res.Messages)
			}
			if err != nil && res.Answer != "" {
				t.Errorf("a failed run reports an answer %q", res.Answer)
			}
		})
	}
}

func TestRunner_InvalidArgumentsAreNotEchoed(t *testing.T) {
	const broken = `{"text": "unterminated`
	model := &fakeModel{profile: zai(t), answer: func(n int, _ glm.Request) glm.Message {
		if n == 0 {
			return glm.Message{ToolCalls: []glm.ToolCall{call("c1", "echo", broken), call("c2", "echo", `{"text":"ok"}`)}}
		}
		return glm.Message{Content: "done"}
	}}
	rec := &memRecorder{}
	r := &Runner{Model: model, Catalog: newCatalog(t, okTools()), Recorder: rec}
	res, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	sent := model.requests[1].Messages[1].ToolCalls
	if sent[0].Function.Arguments != "{}" || sent[1].Function.Arguments != `{"text":"ok"}` {
		t.Errorf("the echo should carry {} for broken arguments only: %+v", sent)
	}
	if err := (&glm.Request{Messages: model.requests[1].Messages}).Validate(); err != nil {
		t.Errorf("the second request is invalid: %v", err)
	}
	if got := res.Messages[1].ToolCalls[0].Function.Arguments; got != broken {
		t.Errorf("the conversation should keep what the model sent, got %q", got)
	}
	if got := rec.msgs[0].ToolCalls[0].Function.Arguments; got != broken {
		t.Errorf("the transcript should keep what the model sent, got %q", got)
	}
	if tool := res.Messages[2].Content; !strings.Contains(tool, "you sent: "+broken) {
		t.Errorf("the tool message should show the model what it sent: %q", tool)
	}
}

func TestTool_ValidateWording(t *testing.T) {
	schema := `{"type":"object","additionalProperties":false,"required":["query"],"properties":{
		"query":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
		"offset":{"type":"integer","minimum":1,"maximum":100},
		"mode":{"enum":["fast","full"]},
		"ratio":{"type":"number","exclusiveMinimum":0,"multipleOf":0.5},
		"tags":{"type":"array","maxItems":1,"items":{"type":"string"}},
		"edits":{"type":"array","items":{"type":"object","required":["path"],"properties":{"path":{"type":"string"}}}}}}`
	mt := mcp.NewToolWithRawSchema("search", "search", []byte(schema))
	cat, err := NewCatalog([]*Server{{Name: "s", Client: okTools(), Tools: []mcp.Tool{mt}, Builtin: true}}, CatalogOptions{})
	if err != nil || len(cat.Skipped) > 0 {
		t.Fatal(err, cat.Skipped)
	}
	tool, _ := cat.Lookup("search")
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"missing", map[string]any{}, `missing required argument "query"`},
		{"minimum", map[string]any{"query": "ab", "offset": 0.0}, "offset must be at least 1, got 0"},
		{"maximum", map[string]any{"query": "ab", "offset": 101.0}, "offset must be at most 100, got 101"},
		{"type", map[string]any{"query": "ab", "offset": "3"}, "offset must be an integer, got string"},
		{"fraction for integer", map[string]any{"query": "ab", "offset": 1.5}, "offset must be an integer, got number"},
		{"enum", map[string]any{"query": "ab", "mode": "slow"}, `mode must be one of "fast", "full"`},
		{"minLength", map[string]any{"query": "a"}, "query must be at least 2 characters long, got 1"},
		{"maxLength", map[string]any{"query": "abcdef"}, "query must be at most 5 characters long, got 6"},
		{"pattern", map[string]any{"query": "AB"}, `query must match the pattern ^[a-z]+$, got "AB"`},
		{"exclusiveMinimum", map[string]any{"query": "ab", "ratio": 0.0}, "ratio must be more than 0, got 0"},
		{"multipleOf", map[string]any{"query": "ab", "ratio": 0.7}, "ratio must be a multiple of 0.5, got 0.7"},
		{"maxItems", map[string]any{"query": "ab", "tags": []any{"a", "b"}}, "tags must have at most 1 items, got 2"},
		{"nested", map[string]any{"query": "ab", "edits": []any{map[string]any{}}}, `missing required argument "path" in edits[0]`},
		{"unknown", map[string]any{"query": "ab", "limit": 3.0}, `unknown argument "limit"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tool.Validate(tc.args)
			first := firstLine(got)
			if first != "invalid arguments for search: "+tc.want {
				t.Errorf("Validate = %q\nwant %q", first, "invalid arguments for search: "+tc.want)
			}
			if strings.Contains(got, "&{") || strings.Contains(got, "jsonschema") {
				t.Errorf("the message dumps Go values or library words: %q", got)
			}
		})
	}
	if got := tool.Validate(map[string]any{"query": "ab", "offset": 3.0}); got != "" {
		t.Errorf("valid arguments refused: %s", got)
	}
}

func TestCut(t *testing.T) {
	paging := "lines 1-400 of 2000 (next_offset 401)\n"
	body := strings.Repeat("0123456789abcdefghi\n", 100) // 2000 characters
	tests := []struct {
		name       string
		text       string
		limit      int
		wantHead   string
		wantNote   string
		wantCutted bool
	}{
		{"short stays whole", "abc", 10, "abc", "", false},
		{"exactly the limit", "abcdefghij", 10, "abcdefghij", "", false},
		{"keeps the paging line and cuts at a line end", paging + body, 1000, paging + strings.Repeat("0123456789abcdefghi\n", 48),
			"[cut: these are the first 49 lines, 998 of 2038 characters; 1040 more were not sent. Ask for the rest with this tool's own paging arguments", true},
		{"no line end: cuts at the limit on a rune", strings.Repeat("日本", 10), 5, "日本日本日\n", "[cut: these are the first 1 line, 5 of 20 characters; 15 more", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, cutted := cut(tc.text, tc.limit)
			if cutted != tc.wantCutted || !strings.HasPrefix(got, tc.wantHead) || !strings.Contains(got, tc.wantNote) {
				t.Fatalf("cut = %q (%v)", got, cutted)
			}
			if cutted && !strings.HasSuffix(got, "]") {
				t.Errorf("the note should end the text: %q", got)
			}
		})
	}
}

func TestResultText_PassesBlocksThrough(t *testing.T) {
	res := &mcp.CallToolResult{Content: []mcp.Content{
		mcp.NewTextContent("if a < b && c > \"d\" {\n\treturn\n}"),
		mcp.NewImageContent("aGVsbG8=", "image/png"),
		mcp.NewTextContent("second block"),
	}, StructuredContent: map[string]any{"ignored": true}}
	want := "if a < b && c > \"d\" {\n\treturn\n}\n[image image/png, 8 bytes of base64 not shown]\nsecond block"
	if got := resultText(res); got != want {
		t.Errorf("resultText = %q, want %q", got, want)
	}
	onlyStructured := &mcp.CallToolResult{StructuredContent: map[string]any{"n": 1}}
	if got := resultText(onlyStructured); got != `{"n":1}` {
		t.Errorf("without text blocks the structured content is sent as JSON, got %q", got)
	}
}
