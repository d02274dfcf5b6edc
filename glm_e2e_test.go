package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

// recorded reads a recorded GLM stream from bridge/glm/testdata.
func recorded(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("bridge", "glm", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []string{string(b)}
}

// TestAsk_GLMWireLoopLevel plays recorded (or SYNTHETIC-named) bytes through
// ask for the gaps that matter to the loop.
func TestAsk_GLMWireLoopLevel(t *testing.T) {
	root := projectRoot(t)
	t.Run("finish tool_calls without calls is asked again, then an error", func(t *testing.T) {
		fake := glmtest.New(t,
			glmtest.Turn{RawSSE: recorded(t, "stream_SYNTHETIC_finish_tool_calls_without_calls.sse")},
			glmtest.Turn{RawSSE: recorded(t, "stream_SYNTHETIC_finish_tool_calls_without_calls.sse")},
		)
		env, _ := askEnv(t)
		res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "go")
		if res.code == 0 || fake.Count() != 2 || !strings.Contains(res.stderr, "no tool call") {
			t.Errorf("exit %d after %d requests: %s; want a failure after one retry", res.code, fake.Count(), res.stderr)
		}
	})
	t.Run("finish tool_calls without calls, then a real answer", func(t *testing.T) {
		fake := glmtest.New(t,
			glmtest.Turn{RawSSE: recorded(t, "stream_SYNTHETIC_finish_tool_calls_without_calls.sse")},
			glmtest.Turn{Content: "the real answer"},
		)
		env, _ := askEnv(t)
		res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "go")
		if res.code != 0 || !strings.Contains(res.stdout, "the real answer") {
			t.Errorf("exit %d: %s%s", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("OpenRouter's reasoning field is kept and echoed on turn 2", func(t *testing.T) {
		fake := glmtest.New(t,
			glmtest.Turn{RawSSE: recorded(t, "stream_openrouter_glm_reasoning_field.sse")},
			glmtest.Turn{Content: "done"},
			glmtest.Turn{Content: "continued"},
		)
		env, db := askEnv(t)
		res := runBin(t, env, "", "ask", "--provider", "openai-compatible", "--base-url", fake.URL, "--model", "z-ai/glm-5-turbo", "--root", root, "--toolkits", "files", "go")
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		var second struct {
			Messages []map[string]json.RawMessage `json:"messages"`
		}
		json.Unmarshal(fake.Requests()[1].Raw, &second)
		var echoed map[string]json.RawMessage
		for _, m := range second.Messages {
			if string(m["role"]) == `"assistant"` {
				echoed = m
			}
		}
		if len(echoed["reasoning"]) < 10 || len(echoed["reasoning_details"]) < 10 {
			t.Errorf("turn 2 should echo the reasoning in OpenRouter's fields: %v", echoed)
		}
		if tr := latest(t, db); !strings.Contains(tr.Messages[1].Reasoning, "The user wants") || len(tr.Messages[1].ReasoningDetails) < 10 {
			t.Errorf("the transcript should keep the reasoning and its details: %q", tr.Messages[1].Reasoning)
		}
		// Continued from the store, the echo keeps OpenRouter's fields too.
		if res := runBin(t, env, "", "ask", "-c", "--provider", "openai-compatible", "--base-url", fake.URL, "--model", "z-ai/glm-5-turbo", "--root", root, "--toolkits", "files", "and then?"); res.code != 0 {
			t.Fatalf("ask -c: exit %d: %s", res.code, res.stderr)
		}
		var third struct {
			Messages []map[string]json.RawMessage `json:"messages"`
		}
		json.Unmarshal(fake.Requests()[2].Raw, &third)
		if m := third.Messages[1]; len(m["reasoning_details"]) < 10 || len(m["reasoning"]) < 10 {
			t.Errorf("a continued conversation should echo OpenRouter's reasoning fields: %v", m)
		}
	})
	for _, code := range []string{"1110", "1113", "1121", "1304"} {
		t.Run("code "+code+" is refused after exactly one attempt", func(t *testing.T) {
			fake := glmtest.New(t, glmtest.Turn{Error: &glmtest.Error{Code: code}})
			fake.SetDefault(glmtest.Turn{Content: "a retry reached the endpoint"})
			env, _ := askEnv(t)
			res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "go")
			if res.code != exitRefused || fake.Count() != 1 {
				t.Errorf("exit %d after %d requests; want 4 after 1: %s", res.code, fake.Count(), res.stderr)
			}
		})
	}
}

// TestAsk_ModelLimitsBeforeAnyRequest: a max_tokens over the model's largest
// output is refused before any request, naming the model's limit.
func TestAsk_ModelLimitsBeforeAnyRequest(t *testing.T) {
	fake := glmtest.New(t)
	env, _ := askEnv(t)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--model", "glm-4.5", "--max-tokens", "200000", "hi")
	if res.code != exitUsage || fake.Count() != 0 || !strings.Contains(res.stderr, "--max-tokens 200000") || !strings.Contains(res.stderr, "glm-4.5") {
		t.Errorf("exit %d, %d requests, stderr %q", res.code, fake.Count(), res.stderr)
	}
}

// TestAsk_LongResultCutWithPaging: a 60 KB file reaches the model as its
// head (starting with the paging line) and a note of what was cut; the
// transcript keeps all of it.
func TestAsk_LongResultCutWithPaging(t *testing.T) {
	root := t.TempDir()
	var b strings.Builder
	for i := 1; b.Len() < 60_000; i++ {
		b.WriteString(strings.Repeat("x", 70) + " line\n")
	}
	writeFiles(t, root, map[string]string{"big.txt": b.String()})
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "r", Name: "read_file", Arguments: `{"path":"big.txt"}`}}},
		glmtest.Turn{Content: "it is long"},
	)
	env, db := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "read big.txt"); res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	sent := glmtest.ToolResults(fake.Requests()[1].Body)["r"]
	first, _, _ := strings.Cut(sent, "\n")
	if !strings.HasPrefix(first, "big.txt: lines 1-") {
		t.Errorf("the model's tool message should start with the paging line, got %q", first)
	}
	if len(sent) > 21_000 || !strings.Contains(sent[len(sent)-400:], "[cut:") {
		t.Errorf("the model should get the head and a note of the cut (%d chars), ending %q", len(sent), sent[max(0, len(sent)-300):])
	}
	tr := latest(t, db)
	if e, ok := tr.Execution("r"); !ok || !strings.Contains(e.Result, b.String()) {
		t.Errorf("the stored execution should hold all 60 KB (has %d chars)", len(e.Result))
	}
}
