package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawStdio drives `glm-mcp serve` with hand-written JSON-RPC lines, to check
// what no SDK client chooses for us: each protocol version.
type rawStdio struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
	id  int
	// onRequest answers requests the server sends (by method) while a
	// request of ours is waiting.
	onRequest map[string]func(msg map[string]any)
}

func startRaw(t *testing.T, args ...string) *rawStdio {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"serve", "--log-level", "warn"}, args...)...)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = &testWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	return &rawStdio{t: t, in: in, out: sc}
}

// request sends a request and returns its response (skipping notifications).
func (r *rawStdio) request(method string, params any) map[string]any {
	r.t.Helper()
	r.id++
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": r.id, "method": method, "params": params})
	fmt.Fprintf(r.in, "%s\n", msg)
	for r.out.Scan() {
		var resp map[string]any
		if err := json.Unmarshal(r.out.Bytes(), &resp); err != nil {
			r.t.Fatalf("bad JSON on stdout: %q", r.out.Text())
		}
		if method, ok := resp["method"].(string); ok && resp["id"] != nil {
			if h := r.onRequest[method]; h != nil {
				h(resp)
				continue
			}
			r.t.Fatalf("unexpected request from the server: %v", resp)
		}
		if id, ok := resp["id"].(float64); ok && int(id) == r.id {
			return resp
		}
	}
	r.t.Fatalf("no response to %s", method)
	return nil
}

func (r *rawStdio) notify(method string) {
	fmt.Fprintf(r.in, `{"jsonrpc":"2.0","method":%q}`+"\n", method)
}

func TestServe_ProtocolVersions(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.txt": "hello\n"})
	for _, version := range []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"} {
		t.Run(version, func(t *testing.T) {
			r := startRaw(t, "--root", root)
			resp := r.request("initialize", map[string]any{
				"protocolVersion": version, "capabilities": map[string]any{},
				"clientInfo": map[string]any{"name": "raw", "version": "1"},
			})
			result, _ := resp["result"].(map[string]any)
			if got := result["protocolVersion"]; got != version {
				t.Fatalf("initialize %s answered protocolVersion %v: %v", version, got, resp)
			}
			r.notify("notifications/initialized")
			call := r.request("tools/call", map[string]any{"name": "read_file", "arguments": map[string]any{"path": "a.txt"}})
			if res, _ := call["result"].(map[string]any); res == nil || res["isError"] == true {
				t.Fatalf("tools/call under %s failed: %v", version, call)
			}
		})
	}
	t.Run("2026-07-28", func(t *testing.T) {
		r := startRaw(t, "--root", root)
		meta := map[string]any{
			"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
			"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "raw", "version": "1"},
			"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		}
		resp := r.request("server/discover", map[string]any{"_meta": meta})
		result, _ := resp["result"].(map[string]any)
		versions, _ := result["supportedVersions"].([]any)
		for _, v := range []string{"2026-07-28", "2025-11-25", "2025-06-18"} {
			if !slices.Contains(versions, any(v)) {
				t.Errorf("server/discover does not list %s: %v", v, resp)
			}
		}
		// Stateless: a tool call with its version in _meta and no initialize.
		call := r.request("tools/call", map[string]any{"_meta": meta, "name": "read_file", "arguments": map[string]any{"path": "a.txt"}})
		res, _ := call["result"].(map[string]any)
		if res == nil || res["isError"] == true {
			t.Fatalf("stateless tools/call failed: %v", call)
		}
	})
}

// TestServe_ClientRootsNarrow: a client that offers roots (protocol
// 2025-06-18) is asked for them with roots/list, and they narrow what the
// server reads; a client root outside --root widens nothing.
func TestServe_ClientRootsNarrow(t *testing.T) {
	root, secretPath := filesRoot(t)
	r := startRaw(t, "--root", root, "--toolkits", "files")
	r.request("initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{"roots": map[string]any{"listChanged": true}},
		"clientInfo": map[string]any{"name": "raw", "version": "1"},
	})
	r.notify("notifications/initialized")
	answer := func(roots ...string) func(msg map[string]any) {
		return func(msg map[string]any) {
			var list []map[string]any
			for _, p := range roots {
				list = append(list, map[string]any{"uri": "file://" + p})
			}
			out, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": msg["id"], "result": map[string]any{"roots": list}})
			fmt.Fprintf(r.in, "%s\n", out)
		}
	}
	r.onRequest = map[string]func(map[string]any){"roots/list": answer(filepath.Join(root, "docs"), filepath.Dir(secretPath))}
	resp := r.request("tools/call", map[string]any{"name": "find_files", "arguments": map[string]any{"pattern": "*"}})
	if got := fmt.Sprint(resp["result"].(map[string]any)["structuredContent"].(map[string]any)["files"]); got != "[guide.md]" {
		t.Errorf("with client root docs/, find_files * = %s, want [guide.md]", got)
	}
	for _, p := range []string{filepath.Join(root, "main.go"), secretPath} {
		resp := r.request("tools/call", map[string]any{"name": "read_file", "arguments": map[string]any{"path": p}})
		res := resp["result"].(map[string]any)
		if res["isError"] != true || strings.Contains(fmt.Sprint(res), "TOP-SECRET") {
			t.Errorf("read_file(%q) should be refused under narrowed roots: %v", p, res)
		}
	}
	// After roots/list_changed the server asks again.
	r.onRequest["roots/list"] = answer(root)
	r.notify("notifications/roots/list_changed")
	resp = r.request("tools/call", map[string]any{"name": "read_file", "arguments": map[string]any{"path": "main.go"}})
	if res := resp["result"].(map[string]any); res["isError"] == true {
		t.Errorf("after list_changed to the whole root, main.go should be readable: %v", res)
	}
}

// TestServe_AnswersBeforeEOF: requests piped in with stdin closed right after
// still get their answers (mcp-go alone cancels them at EOF).
func TestServe_AnswersBeforeEOF(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.txt": "needle\n"})
	in := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_content","arguments":{"query":"needle"}}}

not json at all
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"a.txt"}}}`
	res := runBin(t, nil, in, "serve", "--root", root, "--toolkits", "files", "--log-level", "warn")
	byID := map[string]string{} // tool calls run concurrently: answers come in any order
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var m struct{ ID json.RawMessage }
		json.Unmarshal([]byte(line), &m)
		byID[string(m.ID)] = line
	}
	if res.code != 0 || len(byID) != 4 || !strings.Contains(byID["2"], `"line":1`) || !strings.Contains(byID["3"], `"text":"needle"`) || strings.Contains(res.stdout, "canceled") {
		t.Errorf("exit %d, answers:\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}
