package mcpserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// serveRecorded runs one request through h as if it arrived on local, and
// returns the response.
func serveRecorded(h http.Handler, local net.Addr, req *http.Request) *http.Response {
	if local != nil {
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, local))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

var loopback = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

func TestHTTPHandler_ServeHTTP(t *testing.T) {
	const token = "t0ken-under-test"
	h := mcpserver.NewHTTPHandler(newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{Token: token, Metrics: mcpserver.NewMetrics()}, zeroLogger())
	auth := "Bearer " + token
	tests := []struct {
		name    string
		method  string
		path    string
		host    string
		local   net.Addr
		headers map[string]string
		want    int
		body    string // a substring the response body must hold
	}{
		{name: "mcp without token", method: "POST", path: "/mcp", want: 401, body: "unauthorized"},
		{name: "mcp wrong token", method: "POST", path: "/mcp", headers: map[string]string{"Authorization": "Bearer nope"}, want: 401},
		{name: "mcp token of another scheme", method: "POST", path: "/mcp", headers: map[string]string{"Authorization": "Basic " + token}, want: 401},
		{name: "mcp token", method: "POST", path: "/mcp", headers: map[string]string{"Authorization": auth}, want: 200, body: `"protocolVersion"`},
		{name: "metrics without token", method: "GET", path: "/metrics", want: 401},
		{name: "metrics token", method: "GET", path: "/metrics", headers: map[string]string{"Authorization": auth}, want: 200, body: "glm_mcp_http_rejected_total"},
		{name: "healthz needs no token", method: "GET", path: "/healthz", want: 200, body: "ok"},
		{name: "healthz HEAD", method: "HEAD", path: "/healthz", want: 200},
		{name: "healthz POST", method: "POST", path: "/healthz", want: 400, body: "only POST /mcp takes a body"},
		{name: "healthz DELETE", method: "DELETE", path: "/healthz", want: 405},
		{name: "unknown path", method: "GET", path: "/admin", headers: map[string]string{"Authorization": auth}, want: 404},
		{name: "mcp foreign host on loopback", method: "POST", path: "/mcp", host: "evil.example", local: loopback, headers: map[string]string{"Authorization": auth}, want: 403, body: "host"},
		{name: "healthz foreign host on loopback", method: "GET", path: "/healthz", host: "evil.example:8080", local: loopback, want: 403},
		{name: "metrics foreign host on loopback", method: "GET", path: "/metrics", host: "rebind.example", local: loopback, headers: map[string]string{"Authorization": auth}, want: 403},
		{name: "healthz localhost host on loopback", method: "GET", path: "/healthz", host: "localhost:8080", local: loopback, want: 200},
		{name: "healthz foreign host off loopback", method: "GET", path: "/healthz", host: "mcp.example", local: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 8080}, want: 200},
		{name: "mcp foreign origin", method: "POST", path: "/mcp", headers: map[string]string{"Authorization": auth, "Origin": "https://evil.example"}, want: 403, body: "origin"},
		{name: "healthz foreign origin", method: "GET", path: "/healthz", headers: map[string]string{"Origin": "https://evil.example"}, want: 403},
		{name: "metrics foreign origin", method: "GET", path: "/metrics", headers: map[string]string{"Authorization": auth, "Origin": "http://evil.example:9090"}, want: 403},
		{name: "metrics bad origin", method: "GET", path: "/metrics", headers: map[string]string{"Authorization": auth, "Origin": "null"}, want: 403},
		{name: "mcp loopback origin", method: "POST", path: "/mcp", headers: map[string]string{"Authorization": auth, "Origin": "http://localhost:3000"}, want: 200},
		{name: "mcp same-host origin", method: "POST", path: "/mcp", host: "mcp.example", headers: map[string]string{"Authorization": auth, "Origin": "https://mcp.example"}, want: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.method == "POST" {
				body = strings.NewReader(initBody)
			}
			req := httptest.NewRequest(tc.method, tc.path, body)
			if tc.host != "" {
				req.Host = tc.host
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp := serveRecorded(h, tc.local, req)
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want || !strings.Contains(string(got), tc.body) {
				t.Fatalf("HTTP %d %q, want %d containing %q", resp.StatusCode, got, tc.want, tc.body)
			}
			if tc.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if tc.want >= 400 && tc.want != 405 && resp.Header.Get("Connection") != "close" {
				t.Errorf("a refused request should close its connection, got Connection %q", resp.Header.Get("Connection"))
			}
			if strings.Contains(string(got), token) {
				t.Errorf("the response shows the token")
			}
		})
	}
}

func TestHTTPHandler_NoToken(t *testing.T) {
	h := mcpserver.NewHTTPHandler(newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{}, zeroLogger())
	tests := []struct {
		name string
		path string
		want int
	}{
		{"mcp open without token", "/mcp", 200},
		{"metrics off without Metrics", "/metrics", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.path == "/mcp" {
				req = httptest.NewRequest("POST", tc.path, strings.NewReader(initBody))
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if resp := serveRecorded(h, nil, req); resp.StatusCode != tc.want {
				t.Errorf("HTTP %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// countingReader counts the bytes read from it: how much of a body the
// server consumed.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeros is an endless reader of spaces (valid JSON whitespace).
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestHTTPHandler_BodyCap(t *testing.T) {
	const limit = 64 << 10
	h := mcpserver.NewHTTPHandler(newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{MaxBody: limit}, zeroLogger())
	tests := []struct {
		name          string
		size          int64 // bytes of body offered
		contentLength int64 // declared; -1: unknown (chunked)
		want          int
		maxRead       int64 // the most the server may read of it
	}{
		{name: "declared over the cap", size: 1 << 30, contentLength: 1 << 30, want: 413, maxRead: 0},
		{name: "undeclared over the cap", size: 1 << 30, contentLength: -1, want: 413, maxRead: limit + 64<<10},
		{name: "declared just over", size: limit + 1, contentLength: limit + 1, want: 413, maxRead: 0},
		{name: "padded under the cap", size: limit, contentLength: limit, want: 200, maxRead: limit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pad := io.LimitReader(zeros{}, tc.size-int64(len(initBody)))
			body := &countingReader{r: io.MultiReader(strings.NewReader(initBody), pad)}
			req := httptest.NewRequest("POST", "/mcp", body)
			req.ContentLength = tc.contentLength
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			resp := serveRecorded(h, nil, req)
			msg, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("HTTP %d %q, want %d", resp.StatusCode, msg, tc.want)
			}
			if tc.want == 413 && !strings.Contains(string(msg), "65536 bytes") {
				t.Errorf("413 should name the limit: %q", msg)
			}
			if body.n > tc.maxRead {
				t.Errorf("the server read %d bytes of the body, want at most %d", body.n, tc.maxRead)
			}
		})
	}
}

func TestHTTPHandler_Drain(t *testing.T) {
	h := mcpserver.NewHTTPHandler(newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{}, zeroLogger())
	health := func() int {
		return serveRecorded(h, nil, httptest.NewRequest("GET", "/healthz", nil)).StatusCode
	}
	if got := health(); got != http.StatusOK {
		t.Fatalf("healthz before draining: %d, want 200", got)
	}
	h.Drain()
	h.Drain() // twice is harmless
	if got := health(); got != http.StatusServiceUnavailable {
		t.Fatalf("healthz while draining: %d, want 503", got)
	}
}
