package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestServe_FetchURL runs fetch_url through the built binary over stdio: a
// page on a local server allowed with --allow-host comes back as Markdown;
// without --allow-host the same server is refused and never reached.
func TestServe_FetchURL(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>T</title><script>alert(1)</script></head><body><main><h1>Release notes</h1><p>See <a href="/docs/x">the docs</a>.</p></main></body></html>`)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	allowed := connectStdio(t, "--root", t.TempDir(), "--toolkits", "http", "--allow-host", u.Host)
	var page struct {
		Content  string
		FinalURL string `json:"final_url"`
		Status   int
	}
	callTool(t, allowed, "fetch_url", map[string]any{"url": srv.URL + "/notes"}, &page)
	if !strings.Contains(page.Content, "# Release notes") || !strings.Contains(page.Content, "("+srv.URL+"/docs/x)") || strings.Contains(page.Content, "alert") {
		t.Errorf("Markdown = %q: want the heading, the link made absolute, no script", page.Content)
	}

	before := hits.Load()
	refused := connectStdio(t, "--root", t.TempDir(), "--toolkits", "http")
	res := callTool(t, refused, "fetch_url", map[string]any{"url": srv.URL + "/notes"}, nil)
	if !res.IsError || !strings.Contains(resultText(res), "loopback") {
		t.Errorf("a loopback URL without --allow-host should be refused, got %s", resultText(res))
	}
	if hits.Load() != before {
		t.Errorf("the refused fetch reached the server")
	}
}
