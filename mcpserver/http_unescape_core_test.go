package mcpserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// TestHTTPHandler_NoHTMLEscapes: a result holding <, > and & reaches an HTTP
// client as those characters, not \u003c, \u003e, \u0026.
func TestHTTPHandler_NoHTMLEscapes(t *testing.T) {
	tool := toolkits.Tool{
		Def: mcp.NewTool("angle", mcp.WithToolAnnotation(toolkits.Annotations("Angle", true, false, true, false))),
		Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return toolkits.ResultWithText(map[string]string{"html": "<a & b>"}, "<a & b>"), nil
		},
	}
	s, err := New([]toolkits.Toolkit{angleKit{tool}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHTTPHandler(s, HTTPOptions{Addr: "127.0.0.1:0"}, zerolog.Nop()))
	defer srv.Close()
	post := func(body string, session string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+EndpointPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	resp, _ := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`, "")
	sid := resp.Header.Get("Mcp-Session-Id")
	_, body := post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"angle","arguments":{}}}`, sid)
	if !strings.Contains(body, "<a & b>") || strings.Contains(body, `\u003c`) || strings.Contains(body, `\u0026`) {
		t.Errorf("the answer is HTML-escaped: %s", body)
	}
}

// angleKit serves one tool.
type angleKit struct{ tool toolkits.Tool }

func (angleKit) Name() string             { return "angle" }
func (k angleKit) Tools() []toolkits.Tool { return []toolkits.Tool{k.tool} }
