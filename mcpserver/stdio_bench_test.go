package mcpserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// BenchmarkServeStdio_ToolsCall runs sequential tools/call round trips
// through the stdio transport over in-memory pipes.
func BenchmarkServeStdio_ToolsCall(b *testing.B) {
	bare, stack, ours := benchServers(b)
	run := func(b *testing.B, s *server.MCPServer, call string) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go mcpserver.ServeStdio(ctx, s, inR, outW, zerolog.Nop())
		out := bufio.NewReader(outR)
		fmt.Fprintln(inW, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`)
		out.ReadBytes('\n')
		fmt.Fprintln(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		b.ResetTimer()
		for i := range b.N {
			fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":%s}`+"\n", i+1, call)
			if _, err := out.ReadBytes('\n'); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		inW.Close()
	}
	b.Run("bare-echo", func(b *testing.B) { run(b, bare, `{"name":"echo","arguments":{"message":"hello"}}`) })
	b.Run("glm-mcp-stack-echo", func(b *testing.B) { run(b, stack, `{"name":"echo","arguments":{"message":"hello"}}`) })
	b.Run("read_file", func(b *testing.B) { run(b, ours, `{"name":"read_file","arguments":{"path":"hello.txt"}}`) })
}
