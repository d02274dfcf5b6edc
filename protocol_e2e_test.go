package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"testing"
)

// rawStdio drives `glm-mcp serve` with hand-written JSON-RPC lines, to check
// what no SDK client chooses for us: each protocol version.
type rawStdio struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
	id  int
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
