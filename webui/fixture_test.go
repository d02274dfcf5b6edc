package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
)

// fixture is a store with two transcripts: a parallel run (three tool calls
// in step 1 that overlap in time, one of which fails; a second step that
// answers) and a later one that continues it.
type fixture struct {
	st               *store.Store
	parallel, second string
}

var t0 = time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := fixture{st: st}
	f.parallel = record(t, st, store.TranscriptMeta{Provider: "zai", Model: "glm-4.7"}, parallelRun)
	f.second = record(t, st, store.TranscriptMeta{Provider: "zai", Model: "glm-4.7", ParentID: f.parallel,
		Relation: store.RelationContinue}, func(rec recorder) {
		rec.msg(store.Message{Role: "user", Content: "and the <script>alert(1)</script> tag?", Created: t0.Add(time.Hour)})
		rec.completion(store.Completion{Step: 1, Started: t0.Add(time.Hour), HTTPStatus: 200, Latency: 300 * time.Millisecond,
			Usage: store.Usage{PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110}})
		rec.msg(store.Message{Role: "assistant", Content: "It is escaped.", Created: t0.Add(time.Hour + time.Second)})
	})
	return f
}

// recorder records events of one transcript, failing the test on error.
type recorder struct {
	t  *testing.T
	st *store.Store
	id string
}

func (r recorder) msg(m store.Message) {
	if err := r.st.AppendMessage(context.Background(), r.id, m); err != nil {
		r.t.Fatal(err)
	}
}

func (r recorder) completion(c store.Completion) {
	if err := r.st.RecordCompletion(context.Background(), r.id, c); err != nil {
		r.t.Fatal(err)
	}
}

func (r recorder) exec(e store.ToolExecution) {
	if err := r.st.RecordToolExecution(context.Background(), r.id, e); err != nil {
		r.t.Fatal(err)
	}
}

func record(t *testing.T, st *store.Store, meta store.TranscriptMeta, events func(recorder)) string {
	t.Helper()
	ctx := context.Background()
	id, err := st.CreateTranscript(ctx, meta)
	if err != nil {
		t.Fatal(err)
	}
	events(recorder{t, st, id})
	if err := st.FinishTranscript(ctx, id, store.StatusDone, ""); err != nil {
		t.Fatal(err)
	}
	return id
}

// parallelRun: step 1 asks for three calls that run at once, starting 0,
// 100 and 200 ms after the request ended, for 600, 300 and 500 ms.
func parallelRun(rec recorder) {
	calls := `[{"id":"call_a","type":"function","function":{"name":"search_content","arguments":"{\"query\":\"timeline\"}"}},` +
		`{"id":"call_b","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"README.md\"}"}},` +
		`{"id":"call_c","type":"function","function":{"name":"find_files","arguments":"{\"pattern\":\"*.go\"}"}}]`
	rec.msg(store.Message{Role: "user", Content: "Where is the timeline drawn?", Created: t0})
	rec.completion(store.Completion{Step: 1, Started: t0, HTTPStatus: 200, Latency: time.Second,
		Usage: store.Usage{PromptTokens: 2000, CompletionTokens: 300, TotalTokens: 2300, ReasoningTokens: 120, CachedTokens: 500}})
	rec.msg(store.Message{Role: "assistant", Reasoning: "The pelican heuristic says: look in webui first.",
		ToolCalls: json.RawMessage(calls), Created: t0.Add(time.Second)})
	runs := []struct {
		id, tool, args, result string
		start, dur             time.Duration
		isErr                  bool
	}{
		{"call_a", "search_content", `{"query":"timeline"}`, `{"matches":[{"path":"webui/timeline.go"}]}`, 1000, 600, false},
		{"call_b", "read_file", `{"path":"README.md"}`, "# readme\nthe marker QX-4471 is here", 1100, 300, false},
		{"call_c", "find_files", `{"pattern":"*.go"}`, "pattern error", 1200, 500, true},
	}
	for _, r := range runs {
		rec.exec(store.ToolExecution{Step: 1, CallID: r.id, Tool: r.tool, Server: "glm-mcp", Arguments: r.args,
			Result: r.result, IsError: r.isErr, Started: t0.Add(r.start * time.Millisecond), Duration: r.dur * time.Millisecond})
	}
	for _, r := range runs {
		rec.msg(store.Message{Role: "tool", ToolCallID: r.id, Content: r.result, Created: t0.Add(1800 * time.Millisecond)})
	}
	rec.completion(store.Completion{Step: 2, Started: t0.Add(1800 * time.Millisecond), HTTPStatus: 200, Latency: 700 * time.Millisecond,
		Usage: store.Usage{PromptTokens: 2600, CompletionTokens: 80, TotalTokens: 2680, CachedTokens: 2000}})
	rec.msg(store.Message{Role: "assistant", Content: "In **webui/timeline.go**.", Created: t0.Add(2500 * time.Millisecond)})
}

// testCost prices glm-4.7 at $0.60 input, $0.11 cached, $2.20 output per
// million tokens, the way the glm package's Price.Cost does, and writes
// micro-dollars.
func testCost(model string, u store.Usage) string {
	if model != "glm-4.7" {
		return ""
	}
	fresh := u.PromptTokens - u.CachedTokens
	micro := float64(fresh)*0.6 + float64(u.CachedTokens)*0.11 + float64(u.CompletionTokens)*2.2
	return fmt.Sprintf("%.0fµ$", micro)
}
