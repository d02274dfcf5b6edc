package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// fakeKit is a toolkit of test tools; its behaviour is in its fields.
type fakeKit struct {
	started   atomic.Int32 // calls of "block" that began
	cancelled atomic.Int32 // calls of "block" that saw their context end
	release   chan struct{}
}

func newFakeKit(t *testing.T) *fakeKit {
	k := &fakeKit{release: make(chan struct{})}
	t.Cleanup(func() { close(k.release) })
	return k
}

func (*fakeKit) Name() string { return "fake" }

func (k *fakeKit) Tools() []toolkits.Tool {
	ann := mcp.WithToolAnnotation(toolkits.Annotations("T", true, false, true, false))
	return []toolkits.Tool{
		{Def: mcp.NewTool("echo", mcp.WithString("text"), ann), Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(req.GetString("text", "")), nil
		}},
		// block runs until its request is cancelled, as a tool that honours ctx.
		{Def: mcp.NewTool("block", ann), Handler: func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			k.started.Add(1)
			<-ctx.Done()
			k.cancelled.Add(1)
			return nil, ctx.Err()
		}},
		// stuck never returns until the test ends, whatever its context says,
		// as a read of a file that blocks in the kernel.
		{Def: mcp.NewTool("stuck", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			<-k.release
			return mcp.NewToolResultText("released"), nil
		}},
		{Def: mcp.NewTool("slow", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			time.Sleep(200 * time.Millisecond)
			return mcp.NewToolResultText("slow done"), nil
		}},
		{Def: mcp.NewTool("page", ann,
			mcp.WithString("query", mcp.Required(), mcp.MinLength(1)),
			mcp.WithInteger("offset", mcp.Min(1)),
			mcp.WithNumber("ratio", mcp.Max(0.5)),
			mcp.WithString("mode", mcp.Enum("fast", "full")),
			mcp.WithArray("tags", mcp.WithStringItems(), mcp.MaxItems(2)),
			mcp.WithBoolean("flag"),
			mcp.WithSchemaAdditionalProperties(false),
		), Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("page " + req.GetString("query", "")), nil
		}},
		// notify sends the client a notification before it answers.
		{Def: mcp.NewTool("notify", ann), Handler: func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			err := server.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/message", map[string]any{"level": "info", "data": "a<b"})
			if err != nil {
				return nil, err
			}
			return mcp.NewToolResultText("notified"), nil
		}},
		{Def: mcp.NewTool("panic", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			panic("boom")
		}},
		{Def: mcp.NewTool("fail", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return nil, fmt.Errorf("disk on fire")
		}},
		{Def: mcp.NewTool("roots", ann), Handler: func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			roots, ok := toolkits.ClientRoots(ctx)
			return mcp.NewToolResultText(fmt.Sprintf("%v %v", ok, roots)), nil
		}},
	}
}

// logBuffer collects log lines safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON log lines decoded.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// stdioPeer is the client end of a ServeStdio running over pipes.
type stdioPeer struct {
	t    *testing.T
	in   *io.PipeWriter
	msgs chan peerMsg
	done chan error
	logs *logBuffer
}

// startStdio serves a server with kit over pipes and returns the client end.
func startStdio(t *testing.T, kit toolkits.Toolkit, opts StdioOptions) *stdioPeer {
	t.Helper()
	logs := &logBuffer{}
	srv, err := New([]toolkits.Toolkit{kit}, Options{Logger: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = zerolog.New(logs)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &stdioPeer{t: t, in: inW, msgs: make(chan peerMsg, 100), done: make(chan error, 1), logs: logs}
	go func() {
		p.done <- ServeStdioWith(context.Background(), srv, inR, outW, opts)
		outW.Close()
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("server wrote invalid JSON %q: %v", sc.Text(), err)
				continue
			}
			p.msgs <- peerMsg{raw: sc.Text(), m: m}
		}
		close(p.msgs)
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return p
}

func (p *stdioPeer) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// initialize runs the handshake, declaring caps as the client's capabilities.
func (p *stdioPeer) initialize(caps string) {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":` + caps + `,"clientInfo":{"name":"t","version":"1"}}}`)
	p.next()
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

func (p *stdioPeer) call(id any, tool string, args string) {
	p.t.Helper()
	idJSON, _ := json.Marshal(id)
	p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, idJSON, tool, args))
}

// answerTimeout only keeps a broken test from hanging; no limit is measured with it.
const answerTimeout = 30 * time.Second

// peerMsg is one line the server wrote, raw and decoded.
type peerMsg struct {
	raw string
	m   map[string]any
}

// next returns the next message the server writes.
func (p *stdioPeer) next() map[string]any {
	p.t.Helper()
	return p.nextRaw().m
}

func (p *stdioPeer) nextRaw() peerMsg {
	p.t.Helper()
	select {
	case m, ok := <-p.msgs:
		if !ok {
			p.t.Fatal("server output ended")
		}
		return m
	case <-time.After(answerTimeout):
		p.t.Fatal("no message from the server")
	}
	return peerMsg{}
}

// text returns the first text block of a tools/call answer.
func resultText(t *testing.T, m map[string]any) (string, bool) {
	t.Helper()
	res, ok := m["result"].(map[string]any)
	if !ok {
		t.Fatalf("not a result: %v", m)
	}
	content, _ := res["content"].([]any)
	if len(content) == 0 {
		t.Fatalf("no content: %v", m)
	}
	block, _ := content[0].(map[string]any)
	text, _ := block["text"].(string)
	isErr, _ := res["isError"].(bool)
	return text, isErr
}
