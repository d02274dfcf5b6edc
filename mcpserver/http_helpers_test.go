package mcpserver_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/mcpserver"
	"github.com/glm-mcp/glm-mcp/toolkits"
)

// callKit is a toolkit whose tools end each way a call can end: ok, a
// result with isError, a Go error, a panic, and one that waits for a signal.
type callKit struct {
	started chan struct{} // receives once per "wait" call that started
	release chan struct{} // closed to let "wait" calls finish
}

func newCallKit() *callKit {
	return &callKit{started: make(chan struct{}, 64), release: make(chan struct{})}
}

func (*callKit) Name() string { return "calls" }

func (k *callKit) Tools() []toolkits.Tool {
	ann := mcp.WithToolAnnotation(toolkits.Annotations("t", true, false, true, false))
	return []toolkits.Tool{
		{Def: mcp.NewTool("echo", mcp.WithString("message"), ann), Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return toolkits.Result(map[string]string{"message": req.GetString("message", "")})
		}},
		{Def: mcp.NewTool("fail", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return toolkits.Errorf("no such thing: ask for something else"), nil
		}},
		{Def: mcp.NewTool("boom", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return nil, errors.New("disk on fire")
		}},
		{Def: mcp.NewTool("panic", ann), Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			panic("bug")
		}},
		{Def: mcp.NewTool("wait", ann), Handler: func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			k.started <- struct{}{}
			select {
			case <-k.release:
				return toolkits.Result(map[string]string{"message": "released"})
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}},
	}
}

// newMCPServer builds the server with metrics wired as serve.go wires them.
func newMCPServer(t *testing.T, kit *callKit, m *mcpserver.Metrics) *server.MCPServer {
	t.Helper()
	opts := mcpserver.Options{Logger: zerolog.Nop()}
	if m != nil {
		opts.Hooks = &server.Hooks{}
		m.AddHooks(opts.Hooks)
		opts.ToolMiddleware = []server.ToolHandlerMiddleware{m.Middleware()}
	}
	s, err := mcpserver.New([]toolkits.Toolkit{kit}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// liveServer is ServeHTTP running on 127.0.0.1 until stop.
type liveServer struct {
	addr   string
	cancel context.CancelFunc
	done   chan struct{} // closed when ServeHTTP returned err
	err    error
}

func (l *liveServer) url(path string) string { return "http://" + l.addr + path }

// stop cancels the server's context and returns what ServeHTTP returned.
func (l *liveServer) stop(t *testing.T) error {
	t.Helper()
	l.cancel()
	select {
	case <-l.done:
		return l.err
	case <-time.After(2 * time.Minute):
		t.Fatal("ServeHTTP did not return within 2 minutes of cancellation")
		return nil
	}
}

func startLive(t *testing.T, s *server.MCPServer, opts mcpserver.HTTPOptions) *liveServer {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	ready := make(chan net.Addr, 1)
	opts.Ready = func(a net.Addr) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	l := &liveServer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.err = mcpserver.ServeHTTP(ctx, s, opts, zerolog.Nop())
	}()
	select {
	case a := <-ready:
		l.addr = a.String()
	case <-l.done:
		t.Fatalf("ServeHTTP: %v", l.err)
	}
	t.Cleanup(func() {
		cancel()
		<-l.done
	})
	return l
}

// bearer adds the Authorization header to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.token != "" {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// connectSDK connects the official Go SDK client; version "" picks the
// stateless 2026-07-28 protocol, "2025-11-25" a session.
func connectSDK(t *testing.T, url, token, version string) *sdk.ClientSession {
	t.Helper()
	client := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	tr := &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearer{token}}, MaxRetries: -1}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := client.Connect(ctx, tr, &sdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func callSDK(t *testing.T, cs *sdk.ClientSession, name string) (*sdk.CallToolResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: map[string]any{"message": "hi"}})
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// post sends an initialize request with the given headers to url.
func post(t *testing.T, client *http.Client, url string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(initBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func zeroLogger() zerolog.Logger { return zerolog.Nop() }

// containsFlag reports whether s names a CLI flag, which library errors must not.
func containsFlag(s string) bool { return strings.Contains(s, "--") }
