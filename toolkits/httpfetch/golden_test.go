package httpfetch

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/internal/toolcheck"
)

// TestFetchURL_TextGolden pins fetch_url's text block for pages and for an
// error of each kind, with the test server's address written as HOST.
func TestFetchURL_TextGolden(t *testing.T) {
	srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /private\n"))
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<html><body><main><h1>Title &amp; more</h1><p>Use <code>a &lt; b</code> and <a href="/x?a=1&amp;b=2">a link</a>.</p><table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>&lt;one&gt;</td></tr></table></main></body></html>`))
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG"))
		default:
			http.NotFound(w, r)
		}
	}))
	cfg := Config{AllowHosts: []string{srv.hostPort()}}
	tk := newToolkit(t, cfg)
	base := "http://" + srv.hostPort()
	tests := []struct {
		name    string
		args    map[string]any
		wantErr bool
	}{
		{name: "page.txt", args: map[string]any{"url": base + "/page"}},
		{name: "page_paged.txt", args: map[string]any{"url": base + "/page", "max_length": 20, "start_index": 10}},
		{name: "page_raw.txt", args: map[string]any{"url": base + "/page", "raw": true, "max_length": 60}},
		{name: "error_refused_host.txt", args: map[string]any{"url": "http://127.0.0.2:9/"}, wantErr: true},
		{name: "error_404.txt", args: map[string]any{"url": base + "/missing"}, wantErr: true},
		{name: "error_not_text.txt", args: map[string]any{"url": base + "/image"}, wantErr: true},
		{name: "error_robots.txt", args: map[string]any{"url": base + "/private/doc"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, tk, tt.args)
			if res.IsError != tt.wantErr {
				t.Fatalf("isError = %v: %s", res.IsError, text(res))
			}
			got := strings.ReplaceAll(text(res), srv.hostPort(), "HOST")
			golden(t, tt.name, got)
			if raw, _ := tt.args["raw"].(bool); !raw && (strings.Contains(got, `\u003c`) || strings.Contains(got, "&lt;") || strings.Contains(got, "&amp;")) {
				t.Errorf("text is escaped:\n%s", got)
			}
			if tt.wantErr {
				return
			}
			fr := res.StructuredContent.(FetchResult)
			checkPageText(t, text(res), fr)
			validateOutput(t, tk, fr)
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	toolcheck.Golden(t, filepath.Join("testdata", "golden", name), got, *update)
}

// validateOutput checks structured content against fetch_url's output schema.
func validateOutput(t *testing.T, tk *Toolkit, fr FetchResult) {
	t.Helper()
	toolcheck.Validate(t, toolcheck.OutputSchema(t, tk.Tools()[0].Def), fr)
}
