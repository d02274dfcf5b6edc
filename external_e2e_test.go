package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

// TestAsk_ExternalServer: a second glm-mcp serve process attached with
// --mcp-config is called by the model; its tool that is not read-only is
// refused because stdin is not a terminal, and the database is unchanged.
func TestAsk_ExternalServer(t *testing.T) {
	db := makeDB(t)
	cfgPath := filepath.Join(t.TempDir(), "mcp.json")
	cfg := map[string]any{"mcpServers": map[string]any{
		"shop": map[string]any{"command": binPath, "args": []string{"serve", "--toolkits", "sqlite", "--sqlite", "${SHOP_DB}", "--sqlite-write", "--log-level", "error"}},
		"gone": map[string]any{"command": filepath.Join(t.TempDir(), "no-such-server")},
	}}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{
			{ID: "q", Name: "shop__sqlite_query", Arguments: `{"sql":"SELECT count(*) AS n FROM items"}`},
			{ID: "x", Name: "shop__sqlite_execute", Arguments: `{"sql":"DELETE FROM items"}`},
		}},
		glmtest.Turn{Content: "there are 300 items"},
	)
	env, _ := askEnv(t)
	env = append(env, "SHOP_DB="+db)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--toolkits", "files", "--root", t.TempDir(), "--mcp-config", cfgPath, "--prefix-tools", "how many items?")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "no-such-server") {
		t.Errorf("the server that failed to start should be reported: %s", res.stderr)
	}
	var names []string
	for _, tool := range fake.Requests()[0].Body.Tools {
		names = append(names, tool.Function.Name)
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "shop__sqlite_query") || !strings.Contains(got, "read_file") {
		t.Errorf("tools offered: %s", got)
	}
	results := glmtest.ToolResults(fake.Requests()[1].Body)
	if !strings.Contains(results["q"], "300") {
		t.Errorf("the external query should run: %q", results["q"])
	}
	if !strings.Contains(results["x"], "not run") || !strings.Contains(results["x"], "--yes") {
		t.Errorf("the external write should be refused without a terminal: %q", results["x"])
	}
	cs := connectStdio(t, "--toolkits", "sqlite", "--sqlite", db)
	var count struct{ Rows [][]any }
	callTool(t, cs, "sqlite_query", map[string]any{"sql": "SELECT count(*) FROM items"}, &count)
	if n, _ := count.Rows[0][0].(float64); n != 300 {
		t.Errorf("the refused DELETE ran: %v", count.Rows)
	}
}

// TestAsk_ExternalServerDiesMidCall: a server that dies during a call turns
// into a tool error for that call; the loop and the other tools go on.
func TestAsk_ExternalServerDiesMidCall(t *testing.T) {
	script, _ := filepath.Abs(filepath.Join("testdata", "dying_server.py"))
	cfgPath := filepath.Join(t.TempDir(), "mcp.json")
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"dying": map[string]any{"command": "python3", "args": []string{script}}}})
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	root := projectRoot(t)
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "d", Name: "die", Arguments: `{}`}, {ID: "f", Name: "find_files", Arguments: `{"pattern":"*.go"}`}}},
		glmtest.Turn{Content: "the other tool still worked"},
	)
	env, _ := askEnv(t)
	res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "--mcp-config", cfgPath, "--tool-timeout", "20s", "go")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	results := glmtest.ToolResults(fake.Requests()[1].Body)
	if !strings.HasPrefix(results["d"], "the tool failed") {
		t.Errorf("the dead server's call should be a tool error: %q", results["d"])
	}
	if !strings.Contains(results["f"], "main.go") {
		t.Errorf("the other call should still work: %q", results["f"])
	}
}

// TestAsk_ApprovalOnATerminal runs ask under a pseudo-terminal (script(1)):
// a tool that is not read-only asks first; "y" runs it, "n" refuses it.
func TestAsk_ApprovalOnATerminal(t *testing.T) {
	for _, tc := range []struct {
		answer  string
		wantRan bool
	}{{"y", true}, {"n", false}} {
		t.Run(tc.answer, func(t *testing.T) {
			db := makeDB(t)
			fake := glmtest.New(t,
				glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "w", Name: "sqlite_execute", Arguments: `{"sql":"DELETE FROM items WHERE id = 1"}`}}},
				glmtest.Turn{Content: "done"},
			)
			env, _ := askEnv(t)
			line := strings.Join([]string{binPath, "ask", "--base-url", fake.URL, "--toolkits", "sqlite", "--sqlite", db, "--sqlite-write", "delete item 1"}, " ")
			res := runCmd(t, env, tc.answer+"\n", "/usr/bin/script", "-qec", line, "/dev/null")
			if res.code != 0 {
				t.Fatalf("exit %d: %s%s", res.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stdout, "Allow sqlite_execute") || !strings.Contains(res.stdout, "DELETE FROM items WHERE id = 1") {
				t.Errorf("no approval prompt with the whole arguments on the terminal:\n%s", res.stdout)
			}
			result := glmtest.ToolResults(fake.Requests()[1].Body)["w"]
			if ran := strings.Contains(result, `"rows_affected":1`); ran != tc.wantRan {
				t.Errorf("answer %q: tool result %q", tc.answer, result)
			}
		})
	}
}
