package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
	"github.com/glm-mcp/glm-mcp/store"
)

// windowModel is a fake endpoint with a small context window: it counts a
// request's tokens as its JSON bytes / 3 (more than the bridge's own
// estimate), reports that as usage, and refuses any request over the window
// with 1261, as GLM does.
type windowModel struct {
	window  int
	mu      sync.Mutex
	sizes   []int
	refused int
	answer  func(req glm.Request) glmtest.Turn
}

func tokensOf(req glm.Request) int {
	b, _ := json.Marshal(req)
	return len(b) / 3
}

func (w *windowModel) respond(req glm.Request) glmtest.Turn {
	n := tokensOf(req)
	w.mu.Lock()
	w.sizes = append(w.sizes, n)
	over := n > w.window
	if over {
		w.refused++
	}
	w.mu.Unlock()
	if over {
		return glmtest.Turn{Error: &glmtest.Error{Code: "1261", Message: fmt.Sprintf("Prompt exceeds max length: %d > %d", n, w.window)}}
	}
	t := w.answer(req)
	t.Usage = &glm.Usage{PromptTokens: n, CompletionTokens: 20}
	return t
}

// bigFiles writes n files of size bytes each, with distinct text.
func bigFiles(t *testing.T, n, size int) string {
	root := t.TempDir()
	files := map[string]string{}
	for i := 1; i <= n; i++ {
		line := fmt.Sprintf("file %d line: the quick brown fox jumps over the lazy dog\n", i)
		files[fmt.Sprintf("f%02d.txt", i)] = strings.Repeat(line, size/len(line)+1)[:size]
	}
	writeFiles(t, root, files)
	return root
}

// toolRounds counts the tool results in a request.
func toolRounds(req glm.Request) int {
	n := 0
	for _, m := range req.Messages {
		if m.Role == glm.RoleTool {
			n++
		}
	}
	return n
}

// TestAsk_ContextBudget: a 15-step run whose tools return large results, on
// a model whose window is far smaller than all of them together: the run
// completes, no request passes the window, and the transcript keeps every
// result whole.
func TestAsk_ContextBudget(t *testing.T) {
	const window, size = 12000, 6000
	root := bigFiles(t, 15, size)
	wm := &windowModel{window: window, answer: func(req glm.Request) glmtest.Turn {
		if k := toolRounds(req); k < 15 {
			return glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "read_file", Arguments: fmt.Sprintf(`{"path":"f%02d.txt"}`, k+1)}}}
		}
		return glmtest.Turn{Content: "read all fifteen"}
	}}
	fake := glmtest.New(t)
	fake.SetDefault(glmtest.Turn{Respond: wm.respond})
	env, db := askEnv(t)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "--context-window", fmt.Sprint(window),
		"--max-tokens", "1000", "--max-steps", "20", "--json", "read every file, one by one")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if wm.refused > 0 {
		t.Errorf("%d requests passed the window (sizes %v)", wm.refused, wm.sizes)
	}
	for i, n := range wm.sizes {
		if n > window-1000 {
			t.Errorf("request %d: %d tokens, over the budget %d (window less the answer's room)", i+1, n, window-1000)
		}
	}
	if !strings.Contains(res.stdout, `"type":"compact"`) || !strings.Contains(res.stdout, `"context_window":12000`) {
		t.Errorf("--json should report compactions and the window's fill:\n%.2000s", res.stdout)
	}
	tr := latest(t, db)
	if tr.Status != store.StatusDone || len(tr.ToolExecutions) != 15 {
		t.Fatalf("status %s, %d executions", tr.Status, len(tr.ToolExecutions))
	}
	if len(tr.Compactions) == 0 || !strings.Contains(string(tr.Compactions[0].Elided), `"tool":"read_file"`) {
		t.Errorf("the transcript should record what was elided: %+v", tr.Compactions)
	}
	for _, e := range tr.ToolExecutions {
		if len(e.Result) < size {
			t.Errorf("%s: the transcript keeps %d characters, not the whole result", e.CallID, len(e.Result))
		}
	}
}

// TestAsk_ContextExceededRetry: the endpoint refusing a request as too long
// (once) gets one compaction and one retry, and the run completes.
func TestAsk_ContextExceededRetry(t *testing.T) {
	root := bigFiles(t, 3, 4000)
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "a", Name: "read_file", Arguments: `{"path":"f01.txt"}`}, {ID: "b", Name: "read_file", Arguments: `{"path":"f02.txt"}`}}},
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "c", Name: "read_file", Arguments: `{"path":"f03.txt"}`}}},
		glmtest.Turn{Error: &glmtest.Error{Code: "1261", Message: "Prompt exceeds max length"}},
		glmtest.Turn{Content: "done after compaction"},
	)
	env, _ := askEnv(t)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "read them")
	if res.code != 0 || !strings.Contains(res.stdout, "done after compaction") {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	reqs := fake.Requests()
	if len(reqs) != 4 {
		t.Fatalf("want 4 requests (the refused one retried once), got %d", len(reqs))
	}
	refused, retried := reqs[2].Body, reqs[3].Body
	if tokensOf(retried) >= tokensOf(refused) {
		t.Errorf("the retry should be smaller: %d >= %d tokens", tokensOf(retried), tokensOf(refused))
	}
	if err := retried.Validate(); err != nil {
		t.Errorf("the compacted request must still be valid: %v", err)
	}
	if !strings.Contains(res.stderr, "context:") {
		t.Errorf("the compaction should be shown:\n%s", res.stderr)
	}
}

// TestChat_ContextBudgetAndCompact: many chat turns of large results stay
// under the window; /compact shrinks the conversation and says by how much.
func TestChat_ContextBudgetAndCompact(t *testing.T) {
	const window, size = 9000, 5000
	root := bigFiles(t, 8, size)
	turn := 0
	wm := &windowModel{window: window, answer: func(req glm.Request) glmtest.Turn {
		if last := req.Messages[len(req.Messages)-1]; last.Role == glm.RoleUser {
			turn++
			return glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "read_file", Arguments: fmt.Sprintf(`{"path":"f%02d.txt"}`, turn)}}}
		}
		return glmtest.Turn{Content: fmt.Sprintf("read file %d", turn)}
	}}
	fake := glmtest.New(t)
	fake.SetDefault(glmtest.Turn{Respond: wm.respond})
	env, _ := askEnv(t)
	script := ""
	for i := 1; i <= 6; i++ {
		script += fmt.Sprintf("read file %d\n", i)
	}
	script += "/compact\nread file 7\n"
	res := runBin(t, env, script, "chat", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "--context-window", fmt.Sprint(window), "--max-tokens", "500")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if wm.refused > 0 {
		t.Errorf("%d requests passed the window (sizes %v)", wm.refused, wm.sizes)
	}
	if !strings.Contains(res.stdout, "read file 7") {
		t.Errorf("every turn should be answered:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "tokens before") || !strings.Contains(res.stdout, "after") {
		t.Errorf("/compact should say by how much it shrank the conversation:\n%s", res.stdout)
	}
}

// TestAsk_PipedTextFarOverTheWindow: a piped file four times the model's
// window is refused before any request, in words, and recorded as an error.
func TestAsk_PipedTextFarOverTheWindow(t *testing.T) {
	fake := glmtest.New(t) // any request would fail the test: no turn is scripted
	env, db := askEnv(t)
	piped := strings.Repeat("lorem ipsum dolor sit amet consectetur\n", 48000*4/39*4)
	res := runBin(t, env, piped, "ask", "--base-url", fake.URL, "--context-window", "12000", "--root", t.TempDir(), "--toolkits", "files", "summarize this")
	if res.code != 1 || !strings.Contains(res.stderr, "the model's window is 12000") || !strings.Contains(res.stderr, "nothing was sent") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the endpoint, want none", n)
	}
	if tr := latest(t, db); tr.Status != store.StatusError {
		t.Errorf("transcript status %q, want error", tr.Status)
	}
}
