package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
	"github.com/glm-mcp/glm-mcp/store"
)

func TestReplay_SameChangedLive(t *testing.T) {
	root := projectRoot(t)
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{
			{ID: "c1", Name: "read_file", Arguments: `{"path":"docs/todo.md"}`},
			{ID: "c2", Name: "find_files", Arguments: `{"pattern":"*.go"}`},
		}},
		glmtest.Turn{Content: "the todo is to ship the bridge"},
	)
	env, db := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "what is left to do?"); res.code != 0 {
		t.Fatalf("ask: exit %d: %s", res.code, res.stderr)
	}
	orig := latest(t, db)

	// Offline, with the recorded tool configuration: every call the same.
	res := runBin(t, env, "", "replay", "last")
	if res.code != 0 || !strings.Contains(res.stdout, "2 same, 0 changed, 0 failed") {
		t.Fatalf("replay: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if fake.Count() != 2 {
		t.Errorf("an offline replay must not call the model (%d requests)", fake.Count())
	}

	// A file the transcript read has changed: that call is reported changed, with a diff.
	if err := os.WriteFile(filepath.Join(root, "docs", "todo.md"), []byte("- ship the store\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = runBin(t, env, "", "replay", orig.ID[:8])
	if res.code != 1 || !strings.Contains(res.stdout, "changed  c1 read_file") || !strings.Contains(res.stdout, "same     c2 find_files") ||
		!strings.Contains(res.stdout, "ship the bridge") || !strings.Contains(res.stdout, "ship the store") || !strings.Contains(res.stdout, "1 same, 1 changed, 0 failed") {
		t.Fatalf("replay after a change: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// Toolkit flags replace the recorded configuration: another root, where the file is missing.
	res = runBin(t, env, "", "replay", orig.ID, "--root", t.TempDir(), "--toolkits", "files")
	if res.code != 1 || !strings.Contains(res.stdout, "failed   c1") {
		t.Errorf("replay with another root: exit %d\n%s", res.code, res.stdout)
	}

	// --live asks the model again and stores a linked run.
	fake.Push(
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "c9", Name: "read_file", Arguments: `{"path":"docs/todo.md"}`}}},
		glmtest.Turn{Content: "now the todo is to ship the store"},
	)
	res = runBin(t, env, "", "replay", orig.ID, "--live", "--base-url", fake.URL)
	if res.code != 0 || !strings.Contains(res.stdout, "ship the store") {
		t.Fatalf("replay --live: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if got := fake.Requests()[2].Body.Messages; len(got) != 1 || got[0].Content != "what is left to do?" {
		t.Errorf("--live should send the original prompt: %+v", got)
	}
	live := latest(t, db)
	if live.ParentID != orig.ID || live.Relation != store.RelationReplay || live.Status != store.StatusDone || len(live.Messages) != 4 {
		t.Errorf("live run not stored and linked: %+v", live.Summary)
	}
}
