package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge"
)

func runApp(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }}
	code = a.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestApp_Run(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
	}{
		{"no command prints usage", nil, nil, exitUsage, "", "Usage:"},
		{"unknown command", []string{"frobnicate"}, nil, exitUsage, "", "unknown command \"frobnicate\"\n"},
		{"a typo of a command", []string{"chta"}, nil, exitUsage, "", `unknown command "chta"; did you mean chat?`},
		{"version", []string{"version"}, nil, exitOK, "glm-mcp ", ""},
		{"serve help", []string{"serve", "-h"}, nil, exitOK, "--http-token-env", ""},
		{"tools help", []string{"tools", "--help"}, nil, exitOK, "--format", ""},
		{"unknown flag", []string{"serve", "--nope"}, nil, exitUsage, "", "unknown flag --nope (see 'glm-mcp serve -h')\n"},
		{"a typo of a flag", []string{"chat", "--rot", "."}, nil, exitUsage, "", "unknown flag --rot; did you mean --root? (see 'glm-mcp chat -h')\n"},
		{"a typo of a long flag", []string{"serve", "--sqlite-timout", "1s"}, nil, exitUsage, "", "did you mean --sqlite-timeout?"},
		{"a single dash is named as typed", []string{"ask", "-modle", "x", "q"}, nil, exitUsage, "", "unknown flag -modle; did you mean --model?"},
		{"a flag with its value", []string{"serve", "--nope=3"}, nil, exitUsage, "", "unknown flag --nope (see"},
		{"unknown toolkit", []string{"serve", "--toolkits", "files,ftp"}, nil, exitUsage, "", `unknown toolkit "ftp"`},
		{"bad log level", []string{"serve", "--log-level", "loud"}, nil, exitUsage, "", "--log-level"},
		{"non-loopback http needs a token", []string{"serve", "--http", "0.0.0.0:0"}, nil, exitUsage, "", "bearer token"},
		{"token variable must be set", []string{"serve", "--http", "0.0.0.0:0", "--http-token-env", "TOK"}, nil, exitUsage, "", "TOK"},
		{"missing root", []string{"tools", "--root", "/no/such/dir"}, nil, exitError, "", "/no/such/dir"},
		{"tools bad format", []string{"tools", "--format", "yaml"}, nil, exitUsage, "", `unknown --format "yaml"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runApp(t, tc.env, tc.args...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, out, errOut, tc.wantCode, tc.wantOut, tc.wantErr)
			}
		})
	}
}

// TestExamples_EditorConfigs checks that every editor configuration in
// examples/ is valid JSON and that its glm-mcp arguments parse.
func TestExamples_EditorConfigs(t *testing.T) {
	paths, _ := filepath.Glob("examples/editors/*.json")
	if len(paths) < 4 {
		t.Fatalf("want configurations for four editors, found %v", paths)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]map[string]struct {
			Args []string `json:"args"`
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		found := false
		for _, servers := range cfg {
			if s, ok := servers["glm-mcp"]; ok {
				found = true
				a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}
				if len(s.Args) == 0 || s.Args[0] != "serve" {
					t.Errorf("%s: args should start with serve: %v", p, s.Args)
					continue
				}
				if _, err := a.parseServe(s.Args[1:]); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
		}
		if !found {
			t.Errorf("%s has no glm-mcp server entry", p)
		}
	}
}

// TestExamples_SystemdUnit checks that the deploy example's ExecStart parses
// as serve's flags, with the token variable it names set.
func TestExamples_SystemdUnit(t *testing.T) {
	data, err := os.ReadFile("examples/deploy/glm-mcp.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(data), "\\\n", " ")
	var args []string
	for _, line := range strings.Split(unit, "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart="); ok {
			args = strings.Fields(cmd)
		}
	}
	if len(args) < 2 || args[1] != "serve" {
		t.Fatalf("ExecStart should run glm-mcp serve: %q", args)
	}
	a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(k string) string {
		if k == "GLM_MCP_TOKEN" {
			return "a-token"
		}
		return ""
	}}
	cfg, err := a.parseServe(args[2:])
	if err != nil {
		t.Fatalf("the unit's flags: %v", err)
	}
	if cfg.DrainDelay <= 0 || cfg.ShutdownTimeout <= 0 {
		t.Errorf("the unit should set a drain delay and a shutdown timeout: %+v", cfg)
	}
}

// TestExamples_MCPServersAndDemoDB checks the mcpServers example parses (with
// ${VAR} expanded) and the demo database script loads into a real SQLite file
// the sqlite toolkit serves.
func TestExamples_MCPServersAndDemoDB(t *testing.T) {
	data, err := os.ReadFile("examples/mcp-servers.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := bridge.ParseMCPConfig(data, func(k string) string { return map[string]string{"HOME": "/home/me", "REMOTE_MCP_TOKEN": "tok"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Servers["shop"].Args[4]; got != "shop=/home/me/shop.db" {
		t.Errorf("${HOME} not expanded: %q", got)
	}
	if got := cfg.Servers["remote"].Headers["Authorization"]; got != "Bearer tok" {
		t.Errorf("header not expanded: %q", got)
	}
	script, err := os.ReadFile("examples/demo.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "demo.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(script)); err != nil {
		t.Fatalf("demo.sql: %v", err)
	}
	db.Close()
	cs := connectStdio(t, "--toolkits", "sqlite", "--sqlite", path)
	var q struct{ Rows [][]any }
	callTool(t, cs, "sqlite_query", map[string]any{"sql": "SELECT customer FROM revenue LIMIT 1"}, &q)
	if len(q.Rows) != 1 || q.Rows[0][0] != "Grace" {
		t.Errorf("revenue view = %v", q.Rows)
	}
}
