package webui

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
)

// countingReader counts the calls that reach the store.
type countingReader struct {
	Reader
	calls atomic.Int64
}

func (c *countingReader) List(ctx context.Context, limit int) ([]store.Summary, error) {
	c.calls.Add(1)
	return c.Reader.List(ctx, limit)
}

func (c *countingReader) Resolve(ctx context.Context, ref string) (string, error) {
	c.calls.Add(1)
	return c.Reader.Resolve(ctx, ref)
}

func (c *countingReader) Search(ctx context.Context, q string, limit int) ([]store.SearchHit, error) {
	c.calls.Add(1)
	return c.Reader.Search(ctx, q, limit)
}

func TestHandler_guard(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		method     string
		host       string
		header     map[string]string
		wantStatus int
	}{
		{name: "127.0.0.1 with port", host: "127.0.0.1:8123", wantStatus: 200},
		{name: "localhost", host: "localhost:8123", wantStatus: 200},
		{name: "IPv6 loopback", host: "[::1]:8123", wantStatus: 200},
		{name: "same origin", host: "127.0.0.1:8123", header: map[string]string{"Origin": "http://127.0.0.1:8123"}, wantStatus: 200},
		{name: "same-origin fetch", host: "127.0.0.1:8123", header: map[string]string{"Sec-Fetch-Site": "same-origin"}, wantStatus: 200},
		{name: "DNS rebinding host", host: "attacker.example:8123", wantStatus: 403},
		{name: "loopback-looking name", host: "127.0.0.1.attacker.example", wantStatus: 403},
		{name: "LAN address", host: "192.168.1.20:8123", wantStatus: 403},
		{name: "empty host", host: "", wantStatus: 403},
		{name: "foreign origin", host: "127.0.0.1:8123", header: map[string]string{"Origin": "https://attacker.example"}, wantStatus: 403},
		{name: "other local port", host: "127.0.0.1:8123", header: map[string]string{"Origin": "http://127.0.0.1:9999"}, wantStatus: 403},
		{name: "null origin", host: "127.0.0.1:8123", header: map[string]string{"Origin": "null"}, wantStatus: 403},
		{name: "cross-site fetch", host: "127.0.0.1:8123", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 403},
		{name: "POST", method: "POST", host: "127.0.0.1:8123", wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{Reader: f.st}
			h := Handler(cr, Options{})
			req := httptest.NewRequest(cmpOr(tt.method, "GET"), "/", nil)
			req.Host = tt.host
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			reached := cr.calls.Load()
			if tt.wantStatus == 200 && reached == 0 {
				t.Error("an allowed request did not reach the store")
			}
			if tt.wantStatus != 200 && reached != 0 {
				t.Errorf("a refused request reached the store %d times", reached)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestListen(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, addr string
		wantErr    error
	}{
		{name: "loopback", addr: "127.0.0.1:0"},
		{name: "localhost", addr: "localhost:0"},
		{name: "other loopback", addr: "127.0.0.2:0"},
		{name: "every interface", addr: ":0", wantErr: ErrNotLoopback},
		{name: "unspecified", addr: "0.0.0.0:0", wantErr: ErrNotLoopback},
		{name: "unspecified IPv6", addr: "[::]:0", wantErr: ErrNotLoopback},
		{name: "LAN", addr: "192.168.1.20:0", wantErr: ErrNotLoopback},
		{name: "a name", addr: "example.com:0", wantErr: ErrNotLoopback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := Listen(ctx, tt.addr)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				if ln != nil {
					ln.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
				t.Errorf("listening on %v", ip)
			}
		})
	}
}

// Over a real connection: the URL printed works; a request naming another
// host is refused and reaches nothing; the server stops with its context.
func TestServe(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cr := &countingReader{Reader: f.st}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, Handler(cr, Options{})) }()

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(URL(ln))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), f.parallel[:12]) {
		t.Errorf("GET %s: %d\n%.300s", URL(ln), resp.StatusCode, body)
	}
	before := cr.calls.Load()
	req, _ := http.NewRequest("GET", URL(ln), nil)
	req.Host = "rebound.attacker.example"
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || cr.calls.Load() != before {
		t.Errorf("foreign Host: status %d, store calls %d then %d", resp.StatusCode, before, cr.calls.Load())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}
