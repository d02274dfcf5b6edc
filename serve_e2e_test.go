package main

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// filesRoot makes a small tree with a secret beside it.
func filesRoot(t *testing.T) (root, secretPath string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "proj")
	writeFiles(t, base, map[string]string{
		"proj/main.go":           "package main\n\nfunc main() { println(\"hello\") }\n",
		"proj/docs/guide.md":     "# Guide\nSay hello to the reader.\n",
		"proj_evil/secret.txt":   "TOP-SECRET\n",
		"outside/secret.txt":     "TOP-SECRET\n",
		"proj/.git/config":       "[core]\n",
		"proj/node_modules/x.js": "hello from deps\n",
		"proj/.gitignore":        "node_modules/\n",
	})
	if err := os.Symlink("../outside", filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	return root, filepath.Join(base, "proj_evil", "secret.txt")
}

// exerciseFiles lists the tools and calls each files tool through cs.
func exerciseFiles(t *testing.T, cs *sdk.ClientSession, secretPath string) {
	t.Helper()
	tools, err := cs.ListTools(testContext(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Title == "" || tl.Description == "" || tl.InputSchema == nil || tl.OutputSchema == nil || tl.Annotations == nil {
			t.Errorf("tool %s lacks a title, description, schema or annotations", tl.Name)
		}
		if tl.Annotations != nil && (!tl.Annotations.ReadOnlyHint || tl.Annotations.DestructiveHint == nil || *tl.Annotations.DestructiveHint) {
			t.Errorf("tool %s should be annotated read-only and not destructive: %+v", tl.Name, tl.Annotations)
		}
	}
	for _, want := range []string{"list_directory", "find_files", "search_content", "read_file"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools/list lacks %s: %v", want, names)
		}
	}

	var list struct{ Entries []struct{ Name, Type string } }
	callTool(t, cs, "list_directory", map[string]any{}, &list)
	if len(list.Entries) == 0 {
		t.Errorf("list_directory returned nothing")
	}
	var found struct{ Files []string }
	callTool(t, cs, "find_files", map[string]any{"pattern": "*.go"}, &found)
	if !slices.Equal(found.Files, []string{"main.go"}) {
		t.Errorf("find_files *.go = %v, want [main.go]", found.Files)
	}
	var search struct {
		Matches []struct {
			Path string
			Line int
		}
	}
	callTool(t, cs, "search_content", map[string]any{"query": "hello"}, &search)
	var hits []string
	for _, m := range search.Matches {
		hits = append(hits, m.Path)
	}
	if !slices.Equal(hits, []string{"main.go", "docs/guide.md"}) {
		t.Errorf("search hello = %v, want [main.go docs/guide.md] (node_modules ignored, .git hidden)", hits)
	}
	var read struct {
		Text       string
		TotalLines int `json:"total_lines"`
	}
	callTool(t, cs, "read_file", map[string]any{"path": "docs/guide.md"}, &read)
	if read.Text != "# Guide\nSay hello to the reader." || read.TotalLines != 2 {
		t.Errorf("read_file = %+v", read)
	}
	for _, p := range []string{secretPath, "../proj_evil/secret.txt", "escape/secret.txt"} {
		res := callTool(t, cs, "read_file", map[string]any{"path": p}, nil)
		if !res.IsError || strings.Contains(resultText(res), "TOP-SECRET") {
			t.Errorf("read_file(%q) should be refused, got %s", p, resultText(res))
		}
	}
	res := callTool(t, cs, "search_content", map[string]any{"query": "x", "regex": true, "max_results": 99999}, nil)
	if !res.IsError {
		t.Errorf("max_results over 5000 should be an error result")
	}
}

func TestServe_StdioWithGoSDK(t *testing.T) {
	root, secretPath := filesRoot(t)
	cs := connectStdio(t, "--root", root, "--toolkits", "files")
	exerciseFiles(t, cs, secretPath)
}

func TestServe_HTTPWithGoSDK(t *testing.T) {
	root, secretPath := filesRoot(t)
	url := startHTTP(t, nil, "--root", root, "--toolkits", "files")
	cs := connectHTTP(t, url)
	exerciseFiles(t, cs, secretPath)
}

// TestServe_HTTPTokenAndOrigin: with --http-token-env every request needs the
// bearer token, and a browser Origin that is not loopback is refused.
func TestServe_HTTPTokenAndOrigin(t *testing.T) {
	const token = "s3cret-token-for-test"
	root, _ := filesRoot(t)
	url := startHTTP(t, []string{"MCP_TOKEN=" + token}, "--root", root, "--toolkits", "files", "--http-token-env", "MCP_TOKEN")
	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(headers map[string]string) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(initBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"token", map[string]string{"Authorization": "Bearer " + token}, http.StatusOK},
		{"foreign origin", map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"loopback origin", map[string]string{"Authorization": "Bearer " + token, "Origin": "http://localhost:3000"}, http.StatusOK},
	}
	for _, tc := range tests {
		if got := post(tc.headers); got != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, got, tc.want)
		}
	}
	// The official client works with the token.
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil)
	hc := &http.Client{Transport: bearer{token}}
	cs, err := client.Connect(testContext(t), &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect with the token: %v", err)
	}
	defer cs.Close()
	if _, err := cs.ListTools(testContext(t), nil); err != nil {
		t.Errorf("tools/list with the token: %v", err)
	}
}

// bearer adds the Authorization header to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}
