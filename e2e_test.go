package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// binPath is the glm-mcp binary built once for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "glm-mcp-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "glm-mcp")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build glm-mcp: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// connectStdio starts `glm-mcp serve ARGS` and connects the official Go SDK
// client to it over the child's real stdin and stdout.
func connectStdio(t *testing.T, args ...string) *sdk.ClientSession {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"serve", "--log-level", "warn"}, args...)...)
	cmd.Stderr = &testWriter{t: t}
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil)
	cs, err := client.Connect(testContext(t), &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect over stdio: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// startHTTP starts `glm-mcp serve --http 127.0.0.1:0 ARGS` and returns the
// endpoint URL it logs.
func startHTTP(t *testing.T, env []string, args ...string) string {
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
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		var line struct{ URL string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.URL != "" {
			go func() {
				for sc.Scan() {
				}
			}()
			return line.URL
		}
	}
	t.Fatalf("serve --http exited before logging its URL")
	return ""
}

func connectHTTP(t *testing.T, url string) *sdk.ClientSession {
	t.Helper()
	client := sdk.NewClient(&sdk.Implementation{Name: "e2e", Version: "1"}, nil)
	cs, err := client.Connect(testContext(t), &sdk.StreamableClientTransport{Endpoint: url, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect over HTTP: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// testWriter sends a child's stderr to the test log.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("server: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// callTool calls a tool and decodes its structured content into out (when not nil).
func callTool(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any, out any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(testContext(t), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if out != nil {
		if res.IsError {
			t.Fatalf("%s(%v) failed: %s", name, args, resultText(res))
		}
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s structured content: %v", name, err)
		}
		// The text block is written for a model (paging first, then the
		// content as a good CLI prints it), deliberately not the JSON again:
		// it must not be JSON, and nothing in it is escaped.
		text := resultText(res)
		if text == "" || json.Valid([]byte(text)) && strings.HasPrefix(strings.TrimSpace(text), "{") {
			t.Errorf("%s: the text block should be plain text for a model, got %.200q", name, text)
		}
		if strings.Contains(text, `\u003c`) || strings.Contains(text, `\u0026`) {
			t.Errorf("%s: the text block is escaped: %.200q", name, text)
		}
	}
	return res
}

func resultText(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
