package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

// configEnv writes config.toml under a private XDG_CONFIG_HOME and returns
// the environment that finds it (and no GLM_MCP_DB, so the file's db counts).
func configEnv(t *testing.T, body string) (env []string, path string) {
	t.Helper()
	home := t.TempDir()
	path = filepath.Join(home, "glm-mcp", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"ZAI_API_KEY=" + testKey, "XDG_CONFIG_HOME=" + home, "HOME=" + t.TempDir(), "NO_COLOR=1"}, path
}

func sentTools(r glmtest.Recorded) string {
	var names []string
	for _, tl := range r.Body.Tools {
		names = append(names, tl.Function.Name)
	}
	return strings.Join(names, ",")
}

// TestConfig_File: a config file sets provider, model, a root, a database,
// the store and an external server; ask with no flags uses them, a flag
// overrides the file, a profile overlays, config show says where each value
// came from without showing a key, and an unknown key is an error at its line.
func TestConfig_File(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	writeFiles(t, root, map[string]string{"a.md": "alpha\n"})
	writeFiles(t, other, map[string]string{"b.md": "beta\n"})
	shop := makeDB(t)
	storeDB := filepath.Join(t.TempDir(), "from-config.db")
	fake := glmtest.New(t)
	fake.SetDefault(glmtest.Turn{Content: "ok"})
	body := fmt.Sprintf(`# a user's file
provider = "zai"
base_url = %q
model = "glm-4.7"
root = [%q]
sqlite = ["shop=%s"]
toolkits = "files,sqlite"
db = %q

[mcp_servers.second]
command = %q
args = ["serve", "--toolkits", "files", "--root", %q]

[profiles.fast]
model = "glm-4.5-air"
`, fake.URL, root, shop, storeDB, binPath, other)
	env, path := configEnv(t, body)

	res := runBin(t, env, "", "ask", "what is here?")
	if res.code != 0 {
		t.Fatalf("ask with the file alone: exit %d: %s", res.code, res.stderr)
	}
	r := fake.Requests()[0]
	if r.Body.Model != "glm-4.7" || !strings.Contains(sentTools(r), "sqlite_query") || !strings.Contains(sentTools(r), "second__") {
		t.Errorf("request from the file: model %s, tools %s", r.Body.Model, sentTools(r))
	}
	if _, err := os.Stat(storeDB); err != nil {
		t.Errorf("the transcript should go to the file's db: %v", err)
	}

	if res := runBin(t, env, "", "ask", "--model", "glm-4.6", "hi"); res.code != 0 || fake.Requests()[1].Body.Model != "glm-4.6" {
		t.Errorf("a flag must override the file: exit %d, model %s", res.code, fake.Requests()[1].Body.Model)
	}
	if res := runBin(t, env, "", "ask", "--profile", "fast", "hi"); res.code != 0 || fake.Requests()[2].Body.Model != "glm-4.5-air" {
		t.Errorf("the profile must overlay: exit %d, model %s", res.code, fake.Requests()[2].Body.Model)
	}

	show := runBin(t, env, "", "config", "show", "--max-steps", "7", "--drain-delay", "3s")
	if show.code != 0 {
		t.Fatalf("config show: exit %d: %s", show.code, show.stderr)
	}
	for _, want := range []string{
		`model = "glm-4.7"`, path + ":5", "max_steps = 7", "# flag", "temperature", "# default", "[mcp_servers.second]",
		`drain_delay = "3s"`, `shutdown_timeout = "30s"`, "http_max_body = ", // serve's own settings too
	} {
		if !strings.Contains(show.stdout, want) {
			t.Errorf("config show lacks %q:\n%s", want, show.stdout)
		}
	}
	if strings.Contains(show.stdout, testKey) {
		t.Error("config show printed the API key")
	}
	if p := runBin(t, env, "", "config", "path"); strings.TrimSpace(p.stdout) != path {
		t.Errorf("config path = %q, want %q", p.stdout, path)
	}

	bad, badPath := configEnv(t, "model = \"glm-4.7\"\nmodle = \"glm-4.6\"\n")
	res = runBin(t, bad, "", "ask", "hi")
	if res.code != exitUsage || !strings.Contains(res.stderr, badPath+":2") || !strings.Contains(res.stderr, "modle") {
		t.Errorf("unknown key: exit %d, stderr %q; want 2 naming %s:2 and the key", res.code, res.stderr, badPath)
	}
	typ, typPath := configEnv(t, "max_steps = \"many\"\n")
	res = runBin(t, typ, "", "ask", "hi")
	if res.code != exitUsage || !strings.Contains(res.stderr, typPath+":1") || !strings.Contains(res.stderr, "max_steps") {
		t.Errorf("wrong type: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestConfig_InitWritesAStartingFile: init writes a commented file that
// loads as it is, and never overwrites.
func TestConfig_InitWritesAStartingFile(t *testing.T) {
	home := t.TempDir()
	env := []string{"XDG_CONFIG_HOME=" + home, "HOME=" + home}
	if res := runBin(t, env, "", "config", "init"); res.code != 0 {
		t.Fatalf("init: %s", res.stderr)
	}
	if res := runBin(t, env, "", "config", "show"); res.code != 0 {
		t.Fatalf("the starting file must load: %s", res.stderr)
	}
	if res := runBin(t, env, "", "config", "init"); res.code == 0 {
		t.Error("init must not overwrite an existing file")
	}
}

// TestConfig_ApprovalRules: [approval] allow runs a write without asking and
// deny refuses it without asking, with a terminal and without one.
func TestConfig_ApprovalRules(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
		terminal   bool
		wantRan    bool
	}{
		{"allow without a terminal", `allow = ["sqlite_execute"]`, false, true},
		{"deny without a terminal", `deny = ["sqlite_*"]`, false, false},
		{"allow on a terminal", `allow = ["sqlite_execute"]`, true, true},
		{"deny on a terminal", "allow = [\"sqlite_execute\"]\ndeny = [\"sqlite_execute\"]", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := makeDB(t)
			fake := glmtest.New(t,
				glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "w", Name: "sqlite_execute", Arguments: `{"sql":"DELETE FROM items WHERE id = 1"}`}}},
				glmtest.Turn{Content: "done"},
			)
			env, _ := configEnv(t, "[approval]\n"+tc.rule+"\n")
			env = append(env, "GLM_MCP_DB="+filepath.Join(t.TempDir(), "t.db"))
			args := []string{"ask", "--base-url", fake.URL, "--toolkits", "sqlite", "--sqlite", db, "--sqlite-write", "delete item 1"}
			var res askResult
			if tc.terminal {
				// Nothing is typed: a question would wait for an answer that
				// never comes and the pty would see it.
				res = runCmd(t, env, "", "/usr/bin/script", "-qec", binPath+" "+strings.Join(args, " "), "/dev/null")
			} else {
				res = runBin(t, env, "", args...)
			}
			if res.code != 0 {
				t.Fatalf("exit %d: %s%s", res.code, res.stdout, res.stderr)
			}
			if strings.Contains(res.stdout+res.stderr, "Allow sqlite_execute") {
				t.Errorf("a rule decided, yet the user was asked:\n%s", res.stdout)
			}
			result := glmtest.ToolResults(fake.Requests()[1].Body)["w"]
			if ran := !strings.Contains(result, "not run"); ran != tc.wantRan {
				t.Errorf("ran=%v, want %v: %q", ran, tc.wantRan, result)
			}
		})
	}
}
