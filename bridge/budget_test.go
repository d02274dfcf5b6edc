package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// fixturePairs are recorded requests and the answers they got (the manifest
// of bridge/glm/testdata names the same recording for both).
var fixturePairs = []struct{ request, response string }{
	{"request_glm45_coding_multi_tool_stream.json", "stream_glm45_coding_finish_reason_on_tool_chunks.sse"},
	{"request_glm45flash_tool_index_minus1.json", "stream_glm45flash_tool_index_minus1.sse"},
	{"request_glm47flash_named_tool_choice.json", "stream_glm47flash_named_tool_choice.sse"},
	{"request_glm47flash_reasoning_effort.json", "response_glm47flash_reasoning_effort.json"},
	{"request_glm47flash_stream_turn2_tool_result.json", "stream_glm47flash_text_with_reasoning.sse"},
	{"request_glm47flash_turn1_tools_as_sent_by_fantasy.json", "response_glm47flash_nonstream_parallel_tool_calls.json"},
	{"request_glm47flash_turn2_tool_results_with_reasoning.json", "response_glm47flash_nonstream_final_text.json"},
	{"request_openrouter_glm_tool_stream.json", "stream_openrouter_glm_reasoning_field.sse"},
}

// reportedPromptTokens reads the last usage.prompt_tokens of a recorded
// answer, plain JSON or server-sent events.
func reportedPromptTokens(t *testing.T, data []byte) int {
	t.Helper()
	var body struct {
		Usage *struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if json.Unmarshal(data, &body) == nil && body.Usage != nil {
		return body.Usage.PromptTokens
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok || json.Unmarshal([]byte(strings.TrimSpace(line)), &body) != nil || body.Usage == nil {
			continue
		}
		n = body.Usage.PromptTokens
	}
	return n
}

func TestEstimateRequestTokens_Fixtures(t *testing.T) {
	dir := filepath.Join("glm", "testdata")
	var sumAbs, worst float64
	n := 0
	for _, p := range fixturePairs {
		reqData, err1 := os.ReadFile(filepath.Join(dir, p.request))
		respData, err2 := os.ReadFile(filepath.Join(dir, p.response))
		if err1 != nil || err2 != nil {
			t.Logf("%s: not in testdata yet (%v %v)", p.request, err1, err2)
			continue
		}
		var req glm.Request
		if err := json.Unmarshal(reqData, &req); err != nil {
			t.Fatalf("%s: %v", p.request, err)
		}
		got := reportedPromptTokens(t, respData)
		if got == 0 {
			t.Fatalf("%s: no usage.prompt_tokens", p.response)
		}
		est := EstimateRequestTokens(req)
		e := float64(est-got) / float64(got) * 100
		t.Logf("%-58s reported %4d  estimated %4d  error %+6.1f%%", p.request, got, est, e)
		sumAbs += math.Abs(e)
		worst = max(worst, math.Abs(e))
		n++
	}
	if n < 4 {
		t.Fatalf("only %d recorded pairs found", n)
	}
	mean := sumAbs / float64(n)
	t.Logf("%d pairs: mean absolute error %.1f%%, worst %.1f%%", n, mean, worst)
	if mean > 5 || worst > 10 {
		t.Errorf("the estimate is off by %.1f%% on average, %.1f%% at worst; retune budget.go's constants", mean, worst)
	}
}

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		name string
		msgs []glm.Message
		want int
	}{
		{"empty", nil, 0},
		{"ascii", []glm.Message{{Role: "user", Content: strings.Repeat("a", 400)}}, messageOverhead + 100},
		{"cjk is a token a character", []glm.Message{{Role: "user", Content: "你好世界"}}, messageOverhead + 4},
		{"calls count", []glm.Message{{Role: "assistant", ToolCalls: []glm.ToolCall{call("x", "abcd", `{"a":1}`)}}}, messageOverhead + callOverhead + 1 + 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EstimateTokens(tc.msgs); got != tc.want {
				t.Errorf("EstimateTokens = %d, want %d", got, tc.want)
			}
		})
	}
}

// windowModel is an endpoint with a context window: it counts a request's
// tokens its own way (JSON bytes over three, unlike the bridge's estimate),
// refuses any request over window with error 1261, and reports the count as
// usage.prompt_tokens.
type windowModel struct {
	scriptModel
	window  int
	refused int
	sizes   []int
}

func endpointTokens(req glm.Request) int {
	b, _ := json.Marshal(req.Messages)
	tb, _ := json.Marshal(req.Tools)
	return (len(b) + len(tb) + 2) / 3
}

func (w *windowModel) Complete(ctx context.Context, req glm.Request, ev func(glm.Event)) (*glm.Response, error) {
	n := endpointTokens(req)
	w.mu.Lock()
	w.sizes = append(w.sizes, n)
	w.mu.Unlock()
	if n > w.window {
		w.refused++
		return nil, &glm.APIError{Status: 400, Code: "1261", Message: "Prompt exceeds max length", Kind: glm.KindContextTooLong}
	}
	resp, err := w.scriptModel.Complete(ctx, req, ev)
	if resp != nil {
		resp.Usage = &glm.Usage{PromptTokens: n, CompletionTokens: 20, TotalTokens: n + 20}
	}
	return resp, err
}

// bigTools serves "read", whose result is size characters.
func bigTools(size int) *fakeTools {
	return &fakeTools{tools: []mcp.Tool{mcp.NewTool("read", mcp.WithNumber("part", mcp.Required()), mcp.WithReadOnlyHintAnnotation(true))},
		call: func(_ context.Context, _ string, args map[string]any) (*mcp.CallToolResult, error) {
			head := fmt.Sprintf("part %v\n", args["part"])
			return mcp.NewToolResultText(head + strings.Repeat("x", size-len(head))), nil
		}}
}

func TestRunner_LongLoopStaysWithinTheWindow(t *testing.T) {
	const steps, size, window, reserve = 15, 6000, 8000, 1000
	model := &windowModel{window: window}
	model.profile = zai(t)
	model.respond = func(n int, _ glm.Request) (*glm.Response, error) {
		if n < steps {
			return answer(glm.Message{ToolCalls: []glm.ToolCall{call(fmt.Sprint("c", n), "read", fmt.Sprintf(`{"part":%d}`, n))}}, glm.FinishToolCalls), nil
		}
		return answer(glm.Message{Content: "read them all"}, glm.FinishStop), nil
	}
	rec := &memRecorder{}
	var compactions int
	r := &Runner{Model: model, Catalog: newCatalog(t, bigTools(size)), MaxSteps: 30, MaxToolOutput: 100000,
		ContextWindow: window, ReserveOutput: reserve, Recorder: rec,
		Observer: func(ev Event) {
			if ev.Kind == EventCompact {
				compactions++
			}
		}}
	res, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: "read every part"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Answer != "read them all" || res.Steps != steps+1 || model.refused != 0 {
		t.Fatalf("answer %q after %d steps, %d refusals", res.Answer, res.Steps, model.refused)
	}
	for i, n := range model.sizes {
		if n > window-reserve {
			t.Errorf("request %d took %d tokens, over the budget of %d", i, n, window-reserve)
		}
	}
	for i, req := range model.requests {
		if err := (&glm.Request{Messages: req.Messages}).Validate(); err != nil {
			t.Errorf("request %d is invalid after compaction: %v", i, err)
		}
	}
	if compactions == 0 || len(res.Compactions) != compactions || len(rec.compactions) != compactions {
		t.Errorf("%d compaction events, %d in the result, %d recorded", compactions, len(res.Compactions), len(rec.compactions))
	}
	last := model.requests[len(model.requests)-1].Messages
	if !IsElided(last[2]) || !strings.Contains(last[2].Content, `read {"part":0} returned 6000 characters`) {
		t.Errorf("the oldest result should be a note naming the call: %q", last[2].Content)
	}
	whole := 0
	for _, m := range res.Messages {
		if m.Role == glm.RoleTool && len(m.Content) == size {
			whole++
		}
	}
	if whole != steps || len(rec.execs) != steps || len(rec.execs[0].Result) != size {
		t.Errorf("the conversation keeps %d of %d results whole, %d recorded", whole, steps, len(rec.execs))
	}
}

func TestRunner_ContextExceededCompactsAndRetriesOnce(t *testing.T) {
	exceeded := &glm.APIError{Status: 400, Code: "1261", Message: "Prompt exceeds max length", Kind: glm.KindContextTooLong}
	tests := []struct {
		name      string
		refuse    map[int]bool // request numbers the endpoint refuses
		finish    bool         // refuse with finish_reason model_context_window_exceeded instead of 1261
		wantErr   bool
		wantCalls int
	}{
		{"1261 once: compact, retry, done", map[int]bool{3: true}, false, false, 6},
		{"finish reason once: compact, retry, done", map[int]bool{3: true}, true, false, 6},
		{"refused again after the retry: fails", map[int]bool{3: true, 4: true}, false, true, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := &scriptModel{profile: zai(t)}
			model.respond = func(n int, _ glm.Request) (*glm.Response, error) {
				switch {
				case tc.refuse[n] && tc.finish:
					return answer(glm.Message{}, glm.FinishContextWindowExceeded), nil
				case tc.refuse[n]:
					return nil, exceeded
				case n < 3 || n == 4 && tc.refuse[3]:
					return answer(glm.Message{ToolCalls: []glm.ToolCall{call(fmt.Sprint("c", n), "read", fmt.Sprintf(`{"part":%d}`, n))}}, glm.FinishToolCalls), nil
				}
				return answer(glm.Message{Content: "done"}, glm.FinishStop), nil
			}
			r := &Runner{Model: model, Catalog: newCatalog(t, bigTools(3000)), Template: glm.Request{Model: "unknown-model"}}
			res, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: "go"}})
			if (err != nil) != tc.wantErr || len(model.requests) != tc.wantCalls {
				t.Fatalf("err %v after %d requests; want error %v after %d", err, len(model.requests), tc.wantErr, tc.wantCalls)
			}
			if tc.wantErr && !glm.IsContextExceeded(err) {
				t.Errorf("the error should still say the context is exceeded: %v", err)
			}
			if len(res.Compactions) != 1 {
				t.Fatalf("%d compactions, want 1", len(res.Compactions))
			}
			refused, retry := model.requests[3], model.requests[4]
			if EstimateTokens(retry.Messages) >= EstimateTokens(refused.Messages) || !IsElided(retry.Messages[2]) {
				t.Errorf("the retry should be smaller with the oldest result elided")
			}
			if err := (&glm.Request{Messages: retry.Messages}).Validate(); err != nil {
				t.Errorf("the retried request is invalid: %v", err)
			}
			for _, m := range res.Messages {
				if m.Role == glm.RoleTool && len(m.Content) != 3000 {
					t.Errorf("the conversation lost a whole result: %q", m.Content)
				}
			}
		})
	}
}

// randomConversation builds a valid conversation of turns and tool rounds.
func randomConversation(rng *rand.Rand) []glm.Message {
	var msgs []glm.Message
	if rng.IntN(2) == 0 {
		msgs = append(msgs, glm.Message{Role: glm.RoleSystem, Content: "be brief"})
	}
	id := 0
	for turn := range 1 + rng.IntN(4) {
		msgs = append(msgs, glm.Message{Role: glm.RoleUser, Content: fmt.Sprint("question ", turn)})
		for range rng.IntN(5) {
			var calls []glm.ToolCall
			for range 1 + rng.IntN(3) {
				id++
				calls = append(calls, call(fmt.Sprint("id", id), "read", fmt.Sprintf(`{"part":%d}`, id)))
			}
			msgs = append(msgs, glm.Message{Role: glm.RoleAssistant, Content: "looking", ReasoningContent: strings.Repeat("r", rng.IntN(200)), ToolCalls: calls})
			for _, c := range calls {
				msgs = append(msgs, glm.Message{Role: glm.RoleTool, ToolCallID: c.ID, Content: strings.Repeat("y", rng.IntN(4000))})
			}
		}
		if rng.IntN(4) > 0 || turn == 0 {
			msgs = append(msgs, glm.Message{Role: glm.RoleAssistant, Content: "answer"})
		}
		if len(msgs) > 0 && msgs[len(msgs)-1].Role == glm.RoleTool && rng.IntN(2) == 0 {
			break // end inside a tool loop
		}
		if msgs[len(msgs)-1].Role == glm.RoleUser {
			msgs = append(msgs, glm.Message{Role: glm.RoleAssistant, Content: "answer"})
		}
	}
	return msgs
}

func TestCompact_Property(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	for i := range 500 {
		msgs := randomConversation(rng)
		if err := (&glm.Request{Messages: msgs}).Validate(); err != nil {
			t.Fatalf("case %d: the generator made an invalid conversation: %v", i, err)
		}
		orig := append([]glm.Message(nil), msgs...)
		budget := rng.IntN(EstimateTokens(msgs) + 1)
		out, rep := Compact(msgs, budget)
		if err := (&glm.Request{Messages: out}).Validate(); err != nil {
			t.Fatalf("case %d: compacted conversation refused: %v", i, err)
		}
		if len(out) != len(msgs) || rep.After > rep.Before || rep.Before != EstimateTokens(msgs) || rep.After != EstimateTokens(out) {
			t.Fatalf("case %d: %d -> %d messages, report %+v", i, len(msgs), len(out), rep)
		}
		for j := range msgs {
			if msgs[j].Content != orig[j].Content {
				t.Fatalf("case %d: Compact changed its input", i)
			}
		}
		protect := lastIndex(out, func(m glm.Message) bool { return m.Role == glm.RoleUser })
		elided := map[int]bool{}
		for _, e := range rep.Elided {
			elided[e.Index] = true
			if e.Index >= protect || msgs[e.Index].ToolCallID != e.CallID || !strings.Contains(out[e.Index].Content, e.Arguments) {
				t.Fatalf("case %d: bad elision %+v (latest turn starts at %d)", i, e, protect)
			}
		}
		for j := range out {
			if !elided[j] && !equalMessage(out[j], msgs[j]) {
				t.Fatalf("case %d: message %d changed without an elision", i, j)
			}
		}
		if rep.After > budget { // then nothing more could go
			for j := range protect {
				if msgs[j].Role == glm.RoleTool && !elided[j] && len(msgs[j].Content) > 200 {
					t.Fatalf("case %d: over budget (%d > %d) with result %d (%d chars) left whole", i, rep.After, budget, j, len(msgs[j].Content))
				}
			}
		}
	}
}

func equalMessage(a, b glm.Message) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestCompactReport_String(t *testing.T) {
	msgs := []glm.Message{
		{Role: glm.RoleUser, Content: "a"},
		{Role: glm.RoleAssistant, ToolCalls: []glm.ToolCall{call("1", "read", `{"part":1}`)}},
		{Role: glm.RoleTool, ToolCallID: "1", Content: strings.Repeat("z", 4000)},
		{Role: glm.RoleAssistant, Content: "ok"},
		{Role: glm.RoleUser, Content: "b"},
	}
	_, rep := Compact(msgs, 0)
	if got := rep.String(); !strings.HasPrefix(got, "elided 1 tool result: about") || rep.Before-rep.After < 900 {
		t.Errorf("report %q (%+v)", got, rep)
	}
	if _, none := Compact(msgs[:1], 0); !strings.HasPrefix(none.String(), "nothing to compact") {
		t.Errorf("empty report = %q", none.String())
	}
}

// A prompt far over the window (piped text) is refused before any request:
// the endpoint would only refuse it after the upload. A conversation just
// over the window is still sent, for the endpoint to judge.
func TestRunner_PromptFarOverTheWindowIsNotSent(t *testing.T) {
	tests := []struct {
		name      string
		chars     int
		wantErr   bool
		wantCalls int
	}{
		{"four times the window", 4 * 4 * 12000, true, 0},
		{"about the window", 4 * 12000, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := &scriptModel{profile: zai(t)}
			model.respond = func(int, glm.Request) (*glm.Response, error) {
				return answer(glm.Message{Content: "done"}, glm.FinishStop), nil
			}
			r := &Runner{Model: model, Catalog: newCatalog(t, bigTools(10)), Template: glm.Request{Model: "unknown-model"}, ContextWindow: 12000}
			prompt := strings.Repeat("lorem ipsum dolor sit amet ", tc.chars/27)
			_, err := r.Run(context.Background(), []glm.Message{{Role: glm.RoleUser, Content: prompt}})
			var tl *TooLongError
			if errors.As(err, &tl) != tc.wantErr || len(model.requests) != tc.wantCalls {
				t.Fatalf("err %v after %d requests; want a TooLongError %v after %d", err, len(model.requests), tc.wantErr, tc.wantCalls)
			}
			if tc.wantErr && (tl.Window != 12000 || tl.Estimated < 30000) {
				t.Errorf("the error says %d of %d tokens", tl.Estimated, tl.Window)
			}
		})
	}
}
