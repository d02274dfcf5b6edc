package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
	"github.com/glm-mcp/glm-mcp/store"
)

const testKey = "sk-test-0123456789abcdef"

// askResult is one run of the built binary.
type askResult struct {
	code           int
	stdout, stderr string
}

// runBin runs the built binary with ARGS (stdin not a terminal) and checks
// that the API key shows nowhere in its output.
func runBin(t *testing.T, env []string, stdin string, args ...string) askResult {
	t.Helper()
	return runCmd(t, env, stdin, binPath, args...)
}

// runCmd runs a command, as runBin does.
func runCmd(t *testing.T, env []string, stdin, name string, args ...string) askResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	res := askResult{code, out.String(), errOut.String()}
	if strings.Contains(res.stdout+res.stderr, testKey) {
		t.Errorf("the API key leaked into the output")
	}
	return res
}

// askEnv is the environment of a test run: the key and a private database.
func askEnv(t *testing.T) ([]string, string) {
	db := filepath.Join(t.TempDir(), "t.db")
	return []string{"ZAI_API_KEY=" + testKey, "AIMLAPI_API_KEY=" + testKey, "GLM_MCP_DB=" + db, "NO_COLOR=1"}, db
}

func openStore(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func latest(t *testing.T, db string) *store.Transcript {
	t.Helper()
	st := openStore(t, db)
	id, err := st.Resolve(context.Background(), "last")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// projectRoot is a small tree the model's tools read.
func projectRoot(t *testing.T) string {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"main.go":      "package main\n\nfunc main() { println(\"hello\") }\n",
		"docs/todo.md": "- ship the bridge\n",
	})
	return root
}

func TestAsk_TwoStepsWithParallelCalls(t *testing.T) {
	root := projectRoot(t)
	fake := glmtest.New(t,
		glmtest.Turn{Reasoning: "I should look at the files.", Content: "Let me look.", ToolCalls: []glmtest.Call{
			{ID: "call_a", Name: "find_files", Arguments: `{"pattern":"*.go"}`},
			{ID: "call_b", Name: "sqlite_query", Arguments: `{"sql":"SELECT name FROM items WHERE id = ?","params":[1]}`},
		}},
		glmtest.Turn{Reasoning: "Now I know.", Content: "main.go prints hello; the first item is item1."},
	)
	env, db := askEnv(t)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--sqlite", "shop="+makeDB(t), "--toolkits", "files,sqlite", "what is here?")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "main.go prints hello") || !strings.Contains(res.stderr, "transcript ") {
		t.Errorf("stdout %q stderr %q", res.stdout, res.stderr)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
	second := reqs[1].Body.Messages
	if len(second) != 4 {
		t.Fatalf("second request has %d messages, want user, assistant, 2 tools: %+v", len(second), second)
	}
	asst := second[1]
	if asst.Role != "assistant" || asst.ReasoningContent != "I should look at the files." || asst.Content != "Let me look." || len(asst.ToolCalls) != 2 || asst.ToolCalls[0].ID != "call_a" {
		t.Errorf("assistant message not echoed: %+v", asst)
	}
	results := glmtest.ToolResults(reqs[1].Body)
	if second[2].ToolCallID != "call_a" || second[3].ToolCallID != "call_b" || !strings.Contains(results["call_a"], "main.go") || !strings.Contains(results["call_b"], "item1") {
		t.Errorf("tool messages: %+v", second[2:])
	}
	tr := latest(t, db)
	if tr.Status != store.StatusDone || len(tr.Messages) != 5 || len(tr.ToolExecutions) != 2 || len(tr.Completions) != 2 {
		t.Fatalf("transcript: status %s, %d messages, %d executions, %d completions", tr.Status, len(tr.Messages), len(tr.ToolExecutions), len(tr.Completions))
	}
	if tr.Messages[1].Reasoning != "I should look at the files." || tr.Completions[0].HTTPStatus != 200 || !bytes.Contains(tr.Completions[1].RequestBody, []byte(`"tool_call_id":"call_b"`)) {
		t.Errorf("stored transcript lacks reasoning, status or request body")
	}
	if bytes.Contains(tr.Completions[0].RequestBody, []byte(testKey)) {
		t.Errorf("the key is in the stored request")
	}
}

func TestAsk_BadCallsAndLoopGuard(t *testing.T) {
	root := projectRoot(t)
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "read_file", Arguments: `{"path":`}}},
		glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "read_file", Arguments: `{"path": 7}`}}},
		glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "delete_everything", Arguments: `{}`}}},
	)
	fake.SetDefault(glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "read_file", Arguments: `{"path":"nope.txt"}`}}})
	env, db := askEnv(t)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "read it")
	if res.code != 1 || !strings.Contains(res.stderr, "repeated the same failing tool call") {
		t.Fatalf("exit %d, stderr %s; want exit 1 and the loop guard", res.code, res.stderr)
	}
	reqs := fake.Requests()
	wants := []string{"not valid JSON", "path must be a string, got number", "unknown tool \"delete_everything\"; the available tools are: find_files, list_directory, read_file, search_content"}
	for i, want := range wants {
		last := reqs[i+1].Body.Messages
		if got := last[len(last)-1].Content; !strings.Contains(got, want) {
			t.Errorf("request %d: tool message %q lacks %q", i+2, got, want)
		}
	}
	if n := len(reqs); n != 6 {
		t.Errorf("%d requests; want 3 bad calls then 3 repeats of one failing call", n)
	}
	if tr := latest(t, db); tr.Status != store.StatusError {
		t.Errorf("status %s, want error", tr.Status)
	}
}

func TestAsk_ToolChoice(t *testing.T) {
	root := projectRoot(t)
	tests := []struct {
		name, provider, choice string
		wantChoice             []string
		wantTools              []int
	}{
		{"zai required emulated", "zai", "required", []string{"", "", `"auto"`}, []int{4, 4, 4}},
		{"zai named emulated", "zai", "find_files", []string{"", "", `"auto"`}, []int{1, 1, 4}},
		{"aimlapi required sent", "aimlapi", "required", []string{`"required"`, `"auto"`}, []int{4, 4}},
		{"aimlapi named sent", "aimlapi", "find_files", []string{`{"type":"function","function":{"name":"find_files"}}`, `"auto"`}, []int{4, 4}},
		{"none sends no tools", "zai", "none", []string{""}, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := glmtest.New(t)
			fake.SetDefault(glmtest.Turn{Respond: func(req glm.Request) glmtest.Turn {
				last := req.Messages[len(req.Messages)-1]
				forced := req.ToolChoice != nil && (req.ToolChoice.Mode == "required" || req.ToolChoice.Function != "")
				if len(req.Tools) > 0 && last.Role != "tool" && (forced || strings.HasPrefix(last.Content, "Call ")) {
					return glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "find_files", Arguments: `{"pattern":"*.go"}`}}}
				}
				return glmtest.Turn{Content: "an answer"}
			}})
			env, _ := askEnv(t)
			res := runBin(t, env, "", "ask", "--provider", tc.provider, "--base-url", fake.URL, "--root", root, "--toolkits", "files", "--tool-choice", tc.choice, "go")
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			reqs := fake.Requests()
			if len(reqs) != len(tc.wantChoice) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tc.wantChoice))
			}
			for i, r := range reqs {
				var raw struct {
					ToolChoice json.RawMessage `json:"tool_choice"`
					Tools      []any           `json:"tools"`
				}
				json.Unmarshal(r.Raw, &raw)
				if string(raw.ToolChoice) != tc.wantChoice[i] || len(raw.Tools) != tc.wantTools[i] {
					t.Errorf("request %d: tool_choice %s, %d tools; want %s, %d", i+1, raw.ToolChoice, len(raw.Tools), tc.wantChoice[i], tc.wantTools[i])
				}
			}
		})
	}
}

func TestAsk_ExitCodes(t *testing.T) {
	root := projectRoot(t)
	t.Run("max steps", func(t *testing.T) {
		fake := glmtest.New(t)
		fake.SetDefault(glmtest.Turn{Respond: func(req glm.Request) glmtest.Turn {
			return glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "find_files", Arguments: `{"pattern":"*` + string(rune('a'+len(req.Messages)%26)) + `*"}`}}}
		}})
		env, db := askEnv(t)
		res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "--max-steps", "2", "loop")
		if res.code != exitMaxSteps || fake.Count() != 2 {
			t.Fatalf("exit %d after %d requests, want 3 after 2: %s", res.code, fake.Count(), res.stderr)
		}
		if tr := latest(t, db); tr.Status != store.StatusMaxSteps {
			t.Errorf("status %s, want max_steps", tr.Status)
		}
	})
	t.Run("401 names the key variable", func(t *testing.T) {
		fake := glmtest.New(t, glmtest.Turn{Error: &glmtest.Error{Code: "1001"}})
		env, db := askEnv(t)
		res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "hello")
		if res.code != exitRefused || !strings.Contains(res.stderr, "ZAI_API_KEY") {
			t.Fatalf("exit %d, stderr %q; want 4 naming ZAI_API_KEY", res.code, res.stderr)
		}
		if tr := latest(t, db); tr.Status != store.StatusError || len(tr.Completions) != 1 || tr.Completions[0].HTTPStatus != 401 {
			t.Errorf("transcript should keep the refused request: %+v", tr.Summary)
		}
	})
	t.Run("SIGINT during a streamed answer", func(t *testing.T) {
		fake := glmtest.New(t, glmtest.Turn{Reasoning: "thinking hard", Content: "The partial answer is", Hang: true})
		env, db := askEnv(t)
		cmd := exec.Command(binPath, "ask", "--base-url", fake.URL, "--root", root, "tell me")
		cmd.Env = append(os.Environ(), env...)
		var out syncBuffer
		cmd.Stdout = &out
		cmd.Stdin = strings.NewReader("")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 400 && !strings.Contains(out.String(), "partial answer is"); i++ {
			time.Sleep(25 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
			t.Fatalf("exit %v, want 130", err)
		}
		tr := latest(t, db)
		if tr.Status != store.StatusCancelled || len(tr.Messages) != 2 || !strings.Contains(tr.Messages[1].Content, "partial answer is") {
			t.Errorf("want the partial answer stored as cancelled: status %s, %+v", tr.Status, tr.Messages)
		}
	})
}

func TestAsk_JSONAndContinue(t *testing.T) {
	root := projectRoot(t)
	fake := glmtest.New(t,
		glmtest.Turn{Reasoning: "r", ToolCalls: []glmtest.Call{{Name: "list_directory", Arguments: `{}`}}},
		glmtest.Turn{Content: "two entries"},
		glmtest.Turn{Content: "you asked what is here"},
	)
	env, db := askEnv(t)
	res := runBin(t, env, "", "ask", "--json", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "what is here?")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		if len(types) == 0 || types[len(types)-1] != ev["type"] {
			types = append(types, ev["type"].(string))
		}
		if ev["type"] == "done" && (ev["status"] != "done" || ev["transcript"] == "") {
			t.Errorf("done event %v", ev)
		}
	}
	want := "step_start,reasoning,usage,tool_call,tool_result,step_start,content,usage,done"
	if got := strings.Join(types, ","); got != want {
		t.Errorf("event types %s\nwant %s", got, want)
	}
	first := latest(t, db)
	res = runBin(t, env, "", "ask", "-c", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "what did I ask?")
	if res.code != 0 {
		t.Fatalf("continue: exit %d: %s", res.code, res.stderr)
	}
	msgs := fake.Requests()[2].Body.Messages
	if len(msgs) != 5 || msgs[0].Content != "what is here?" || msgs[3].Content != "two entries" || msgs[4].Content != "what did I ask?" {
		t.Errorf("continued request should carry the earlier conversation: %+v", msgs)
	}
	second := latest(t, db)
	if second.ParentID != first.ID || second.Relation != store.RelationContinue {
		t.Errorf("continued transcript not linked: parent %q relation %q", second.ParentID, second.Relation)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAsk_ContinueAfterAFailureAndDoubleDash(t *testing.T) {
	fake := glmtest.New(t,
		// A parameter error: not retried, and not about the prompt's
		// length (a prompt refused as too long leaves the conversation).
		glmtest.Turn{Error: &glmtest.Error{Code: "1214"}},
		glmtest.Turn{Content: "answered both"},
	)
	env, _ := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--toolkits", "files", "--root", t.TempDir(), "first question"); res.code != 1 {
		t.Fatalf("a 1214 should fail the run: exit %d %s", res.code, res.stderr)
	}
	res := runBin(t, env, "", "ask", "-c", "--base-url", fake.URL, "--toolkits", "files", "--root", t.TempDir(), "--", "what", "does", "--yes", "do?")
	if res.code != 0 {
		t.Fatalf("continue after a failure: exit %d %s", res.code, res.stderr)
	}
	msgs := fake.Requests()[1].Body.Messages
	if len(msgs) != 1 || msgs[0].Content != "first question\n\nwhat does --yes do?" {
		t.Errorf("the unanswered prompt and the new one should go as one user turn, words after -- as prompt: %+v", msgs)
	}
}

func TestApp_ChildEnvLeavesOutKeys(t *testing.T) {
	a := &app{keyEnv: "MY_KEY", environ: func() []string {
		return []string{"ZAI_API_KEY=z", "ZHIPUAI_API_KEY=b", "AIMLAPI_API_KEY=a", "OPENAI_API_KEY=o", "MY_KEY=m", "PATH=/bin", "HOME=/root"}
	}}
	if got := strings.Join(a.childEnv(), " "); got != "PATH=/bin HOME=/root" {
		t.Errorf("child environment = %s", got)
	}
}

// TestTools_OpenAIFormatIsWhatAskSends: `tools --format openai` prints exactly
// the tools array of ask's requests.
func TestTools_OpenAIFormatIsWhatAskSends(t *testing.T) {
	root := projectRoot(t)
	db := makeDB(t)
	flags := []string{"--root", root, "--sqlite", "shop=" + db, "--exclude-tools", "fetch_*"}
	printed := runBin(t, nil, "", append([]string{"tools", "--format", "openai"}, flags...)...)
	if printed.code != 0 {
		t.Fatalf("tools: exit %d %s", printed.code, printed.stderr)
	}
	fake := glmtest.New(t, glmtest.Turn{Content: "ok"})
	env, _ := askEnv(t)
	if res := runBin(t, env, "", append(append([]string{"ask", "--base-url", fake.URL}, flags...), "hi")...); res.code != 0 {
		t.Fatalf("ask: exit %d %s", res.code, res.stderr)
	}
	var sent struct{ Tools json.RawMessage }
	json.Unmarshal(fake.Requests()[0].Raw, &sent)
	var a, b any
	json.Unmarshal([]byte(printed.stdout), &a)
	json.Unmarshal(sent.Tools, &b)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) || !strings.Contains(string(ja), `"sqlite_query"`) || strings.Contains(string(ja), "fetch_url") {
		t.Errorf("tools --format openai differs from what ask sends:\n%s\n%s", ja, jb)
	}
}
