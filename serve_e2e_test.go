package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/internal/memprobe"
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

// httpServer is `glm-mcp serve --http 127.0.0.1:0` run by a test.
type httpServer struct {
	cmd    *exec.Cmd
	base   string // http://host:port
	exited chan struct{}
	err    error // what Wait returned, once exited is closed
}

// startServeHTTP starts the binary serving HTTP and waits for its URL.
func startServeHTTP(t *testing.T, env []string, args ...string) *httpServer {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"serve", "--http", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &httpServer{cmd: cmd, exited: make(chan struct{})}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.exited
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		var line struct{ URL string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.URL != "" {
			s.base = strings.TrimSuffix(line.URL, "/mcp")
			break
		}
	}
	go func() {
		for sc.Scan() {
			t.Logf("server: %s", sc.Text())
		}
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if s.base == "" {
		<-s.exited
		t.Fatalf("serve --http exited before logging its URL: %v", s.err)
	}
	return s
}

// rssOf returns the resident set size of process pid in bytes (0 when it
// cannot be read: it is sampled from a goroutine while the process runs).
func rssOf(pid int) int64 {
	n, _ := memprobe.ProcStatus(pid, "VmRSS")
	return n
}

// TestServe_HTTPHugeBody is issue 10's attack on the real binary: a 1 GB
// chunked POST body gets 413 and the process stays under 256 MB above idle
// (it reached 2.8 GB before the body cap).
func TestServe_HTTPHugeBody(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to measure RSS")
	}
	root, _ := filesRoot(t)
	s := startServeHTTP(t, nil, "--root", root, "--toolkits", "files")
	pid := s.cmd.Process.Pid
	idle := rssOf(pid)
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			peak.Store(max(peak.Load(), rssOf(pid)))
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for i := 0; i < 1024; i++ { // 1 GB
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", s.base+"/mcp", pr) // no length: chunked
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	close(stop)
	<-sampled
	pr.CloseWithError(errors.New("done"))
	if err != nil {
		t.Fatalf("1 GB POST: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	grew := peak.Load() - idle
	t.Logf("idle RSS %d MB, peak %d MB", idle>>20, peak.Load()>>20)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "4194304 bytes") {
		t.Errorf("1 GB POST: HTTP %d %q, want 413 naming the 4 MiB limit", resp.StatusCode, msg)
	}
	if grew > 256<<20 {
		t.Errorf("RSS grew %d MB above idle, want under 256 MB", grew>>20)
	}
}

// TestServe_HTTPOperations: --http-max-body, /healthz, /metrics behind the
// token with counts that match the calls made, and SIGTERM exits 0.
func TestServe_HTTPOperations(t *testing.T) {
	const token = "ops-token-for-test"
	root, _ := filesRoot(t)
	s := startServeHTTP(t, []string{"OPS_TOKEN=" + token}, "--root", root, "--toolkits", "files",
		"--http-token-env", "OPS_TOKEN", "--http-max-body", "2000", "--shutdown-timeout", "20s")
	get := func(path, auth string) (int, string) {
		req, _ := http.NewRequest("GET", s.base+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil)
	cs, err := client.Connect(testContext(t), &sdk.StreamableClientTransport{Endpoint: s.base + "/mcp", HTTPClient: &http.Client{Transport: bearer{token}}, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		callTool(t, cs, "list_directory", map[string]any{}, nil)
	}
	if res := callTool(t, cs, "read_file", map[string]any{"path": "no-such-file"}, nil); !res.IsError {
		t.Errorf("read_file of a missing file should be an error result")
	}
	cs.Close()

	big := strings.Repeat(" ", 3000)
	req, _ := http.NewRequest("POST", s.base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`+big))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 3000-byte body with --http-max-body 2000: HTTP %d, want 413", resp.StatusCode)
	}

	tests := []struct {
		name, path, auth string
		want             int
		has              []string
	}{
		{"healthz without token", "/healthz", "", 200, []string{"ok"}},
		{"metrics without token", "/metrics", "", 401, nil},
		{"metrics", "/metrics", token, 200, []string{
			`glm_mcp_tool_calls_total{outcome="ok",tool="list_directory"} 3`,
			`glm_mcp_tool_calls_total{outcome="tool_error",tool="read_file"} 1`,
			`glm_mcp_tool_call_duration_seconds_count{tool="list_directory"} 3`,
			`glm_mcp_tool_calls_in_flight 0`,
			`glm_mcp_http_rejected_total{reason="body_too_large"} 1`,
		}},
	}
	for _, tc := range tests {
		code, body := get(tc.path, tc.auth)
		if code != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, code, tc.want)
		}
		for _, h := range tc.has {
			if !strings.Contains(body, h) {
				t.Errorf("%s lacks %q", tc.name, h)
			}
		}
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit within --shutdown-timeout after SIGTERM")
	}
	if s.err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", s.err)
	}
}

func TestServe_HTTPFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no token off loopback", []string{"--http", "0.0.0.0:0"}, "--http-token-env"},
		{"zero body cap", []string{"--http", "127.0.0.1:0", "--http-max-body", "0"}, "--http-max-body"},
		{"negative shutdown timeout", []string{"--http", "127.0.0.1:0", "--shutdown-timeout", "-1s"}, "--shutdown-timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runBin(t, nil, "", append([]string{"serve"}, tc.args...)...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want a usage error naming %s", res.code, res.stderr, tc.want)
			}
		})
	}
}

// TestServe_DrainDelay: after SIGTERM with --drain-delay, the replica keeps
// its listener and serves calls while /healthz answers 503 (what a load
// balancer's health check sees), then closes it and exits 0.
func TestServe_DrainDelay(t *testing.T) {
	root, _ := filesRoot(t)
	s := startServeHTTP(t, nil, "--root", root, "--toolkits", "files", "--drain-delay", "5s")
	health := func() (int, error) {
		resp, err := http.Get(s.base + "/healthz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := health(); code != 200 {
		t.Fatalf("/healthz before SIGTERM: %d, %v", code, err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var code int
	var err error
	for range 200 { // the signal is handled asynchronously
		if code, err = health(); code == 503 || err != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code != 503 {
		t.Fatalf("/healthz while draining: %d, %v; want 503 on a new connection", code, err)
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil)
	cs, err := client.Connect(testContext(t), &sdk.StreamableClientTransport{Endpoint: s.base + "/mcp", MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("a new client during the drain delay: %v", err)
	}
	if res := callTool(t, cs, "list_directory", map[string]any{}, nil); res.IsError {
		t.Errorf("a call during the drain delay failed")
	}
	cs.Close()
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after the drain delay")
	}
	if s.err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", s.err)
	}
	if _, err := health(); err == nil {
		t.Errorf("the listener is still open after exit")
	}
}
