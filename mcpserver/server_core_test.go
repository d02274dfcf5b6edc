package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// handle sends one message to srv in process and decodes the answer.
func handle(t *testing.T, srv *server.MCPServer, msg string) map[string]any {
	t.Helper()
	b, err := json.Marshal(srv.HandleMessage(context.Background(), json.RawMessage(msg)))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func callMsg(tool, args string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
}

// TestMiddleware_LogAndRecover: every call is logged once with its tool and
// outcome; a panic becomes an error answer, logged with its stack, and the
// server goes on.
func TestMiddleware_LogAndRecover(t *testing.T) {
	tests := []struct {
		name, tool, args string
		outcome          string
		wantErrText      string // in the JSON-RPC error, when the call fails
	}{
		{"ok", "echo", `{"text":"x"}`, "ok", ""},
		{"tool error", "page", `{"query":"x","offset":0}`, "tool_error", ""},
		{"fault", "fail", `{}`, "error", "disk on fire"},
		{"panic", "panic", `{}`, "error", "internal error in tool panic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &logBuffer{}
			srv, err := New([]toolkits.Toolkit{newFakeKit(t)}, Options{Logger: zerolog.New(logs)})
			if err != nil {
				t.Fatal(err)
			}
			m := handle(t, srv, callMsg(tc.tool, tc.args))
			if tc.wantErrText != "" {
				e, _ := m["error"].(map[string]any)
				if msg, _ := e["message"].(string); !strings.Contains(msg, tc.wantErrText) {
					t.Fatalf("answer %v, want an error saying %q", m, tc.wantErrText)
				}
			} else if m["result"] == nil {
				t.Fatalf("answer %v, want a result", m)
			}
			var calls []map[string]any
			var panics int
			for _, l := range logs.lines(t) {
				switch l["message"] {
				case "tool call":
					calls = append(calls, l)
				case "tool panicked":
					panics++
					if stack, _ := l["stack"].(string); !strings.Contains(stack, "goroutine") || l["panic"] != "boom" {
						t.Errorf("panic logged without its value or stack: %v", l)
					}
				}
			}
			if len(calls) != 1 || calls[0]["tool"] != tc.tool || calls[0]["outcome"] != tc.outcome || calls[0]["dur"] == nil {
				t.Fatalf("call log %v, want one line with tool %s, outcome %s and dur", calls, tc.tool, tc.outcome)
			}
			if (tc.tool == "panic") != (panics == 1) {
				t.Fatalf("%d panic log lines", panics)
			}
			if m := handle(t, srv, callMsg("echo", `{"text":"after"}`)); m["result"] == nil {
				t.Fatalf("server did not go on: %v", m)
			}
		})
	}
}

// TestNew_ToolMiddlewareSeesEveryOutcome: Options.ToolMiddleware (metrics)
// wraps logging, recovery and argument checks, so it sees refused arguments
// as tool errors and panics as errors.
func TestNew_ToolMiddlewareSeesEveryOutcome(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, err := next(ctx, req)
			outcome := "ok"
			if err != nil {
				outcome = "error"
			} else if res.IsError {
				outcome = "tool_error"
			}
			mu.Lock()
			seen[req.Params.Name] = outcome
			mu.Unlock()
			return res, err
		}
	}
	srv, err := New([]toolkits.Toolkit{newFakeKit(t)}, Options{ToolMiddleware: []server.ToolHandlerMiddleware{record}})
	if err != nil {
		t.Fatal(err)
	}
	handle(t, srv, callMsg("echo", `{}`))
	handle(t, srv, callMsg("page", `{}`))
	handle(t, srv, callMsg("panic", `{}`))
	want := map[string]string{"echo": "ok", "page": "tool_error", "panic": "error"}
	for tool, outcome := range want {
		if seen[tool] != outcome {
			t.Errorf("middleware saw %s as %q, want %q", tool, seen[tool], outcome)
		}
	}
}

// TestNew_HooksSeeStdioSessions: Options.Hooks receives the stdio session.
func TestNew_HooksSeeStdioSessions(t *testing.T) {
	hooks := &server.Hooks{}
	registered := make(chan string, 1)
	hooks.AddOnRegisterSession(func(_ context.Context, s server.ClientSession) { registered <- s.SessionID() })
	srv, err := New([]toolkits.Toolkit{newFakeKit(t)}, Options{Hooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	in, out := strings.NewReader(""), &strings.Builder{}
	if err := ServeStdio(context.Background(), srv, in, out, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	if id := <-registered; !strings.HasPrefix(id, "stdio") {
		t.Fatalf("registered session %q", id)
	}
}

// dupKit offers a tool named like one of fakeKit's, and a resource template.
type dupKit struct{}

func (dupKit) Name() string { return "dup" }
func (dupKit) Tools() []toolkits.Tool {
	return []toolkits.Tool{{Def: mcp.NewTool("echo"), Handler: nil}}
}

type resourceKit struct{}

func (resourceKit) Name() string           { return "res" }
func (resourceKit) Tools() []toolkits.Tool { return nil }
func (resourceKit) ResourceTemplates() []toolkits.ResourceTemplate {
	return []toolkits.ResourceTemplate{{
		Def: mcp.NewResourceTemplate("note:///{name}", "note"),
		Handler: func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, Text: "a < b"}}, nil
		},
	}}
}

func TestNew(t *testing.T) {
	t.Run("duplicate tool names", func(t *testing.T) {
		_, err := New([]toolkits.Toolkit{newFakeKit(t), dupKit{}}, Options{})
		if err == nil || !strings.Contains(err.Error(), `tool "echo" offered by both fake and dup`) {
			t.Fatalf("err = %v, want the duplicate named", err)
		}
	})
	t.Run("name, instructions and resources", func(t *testing.T) {
		srv, err := New([]toolkits.Toolkit{resourceKit{}}, Options{Version: "9", Instructions: "read notes"})
		if err != nil {
			t.Fatal(err)
		}
		init := handle(t, srv, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
		res := init["result"].(map[string]any)
		info := res["serverInfo"].(map[string]any)
		if info["name"] != "glm-mcp" || info["version"] != "9" || res["instructions"] != "read notes" {
			t.Fatalf("initialize result %v", res)
		}
		read := handle(t, srv, `{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"note:///x"}}`)
		contents, _ := read["result"].(map[string]any)["contents"].([]any)
		if len(contents) != 1 || contents[0].(map[string]any)["text"] != "a < b" {
			t.Fatalf("resources/read %v", read)
		}
	})
	t.Run("a bad input schema is refused", func(t *testing.T) {
		_, err := New([]toolkits.Toolkit{badSchemaKit{}}, Options{})
		if err == nil || !strings.Contains(err.Error(), "input schema of bad") {
			t.Fatalf("err = %v, want the tool's schema named", err)
		}
	})
}

type badSchemaKit struct{}

func (badSchemaKit) Name() string { return "bad" }
func (badSchemaKit) Tools() []toolkits.Tool {
	return []toolkits.Tool{{Def: mcp.NewToolWithRawSchema("bad", "", json.RawMessage(`{"type":"object","properties":{"x":{"type":"nonsense"}}}`))}}
}
