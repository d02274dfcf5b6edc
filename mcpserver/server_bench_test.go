package mcpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/mcpserver"
	"github.com/glm-mcp/glm-mcp/toolkits"
	"github.com/glm-mcp/glm-mcp/toolkits/files"
)

// BenchmarkServer_ToolsCall compares the cost of one tools/call through the
// whole server (validation, middleware, result encoding) for glm-mcp's
// read_file and a bare mcp-go echo server.
func BenchmarkServer_ToolsCall(b *testing.B) {
	bare, stack, ours := benchServers(b)
	run := func(b *testing.B, s *server.MCPServer, name string, args map[string]any) {
		msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": name, "arguments": args}})
		b.ReportAllocs()
		for b.Loop() {
			if res := s.HandleMessage(context.Background(), msg); res == nil {
				b.Fatal("no response")
			}
		}
	}
	b.Run("bare-echo", func(b *testing.B) { run(b, bare, "echo", map[string]any{"message": "hello"}) })
	// The same echo tool behind glm-mcp's stack: schema validation, logging,
	// panic recovery, client roots and the structured-content result helper.
	b.Run("glm-mcp-stack-echo", func(b *testing.B) { run(b, stack, "echo", map[string]any{"message": "hello"}) })
	b.Run("read_file", func(b *testing.B) { run(b, ours, "read_file", map[string]any{"path": "hello.txt"}) })
}

// benchServers builds the three servers the benchmarks compare: a bare
// mcp-go server with one echo tool, the same echo tool behind glm-mcp's
// stack, and glm-mcp with the files toolkit over a folder holding hello.txt.
func benchServers(b *testing.B) (bare, stack, ours *server.MCPServer) {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	kit, err := files.New(files.Config{Roots: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { kit.Close() })
	opts := mcpserver.Options{Logger: zerolog.New(io.Discard).Level(zerolog.InfoLevel)}
	if ours, err = mcpserver.New([]toolkits.Toolkit{kit}, opts); err != nil {
		b.Fatal(err)
	}
	if stack, err = mcpserver.New([]toolkits.Toolkit{echoKit{}}, opts); err != nil {
		b.Fatal(err)
	}
	bare = server.NewMCPServer("echo", "1")
	bare.AddTool(mcp.NewTool("echo", mcp.WithString("message")), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(req.GetString("message", "")), nil
	})
	return bare, stack, ours
}

// echoKit is a toolkit with one echo tool, to measure the server's own cost.
type echoKit struct{}

func (echoKit) Name() string { return "echo" }

func (echoKit) Tools() []toolkits.Tool {
	return []toolkits.Tool{{
		Def: mcp.NewTool("echo", mcp.WithString("message"), mcp.WithToolAnnotation(toolkits.Annotations("Echo", true, false, true, false))),
		Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return toolkits.Result(map[string]string{"message": req.GetString("message", "")})
		},
	}}
}
