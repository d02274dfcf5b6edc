package httpfetch

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestToolkit_Tools(t *testing.T) {
	tk := newToolkit(t, Config{})
	if tk.Name() != "http" {
		t.Errorf("Name() = %q", tk.Name())
	}
	tools := tk.Tools()
	if len(tools) != 1 || tools[0].Def.Name != "fetch_url" || tools[0].Handler == nil {
		t.Fatalf("Tools() = %+v", tools)
	}
	def := tools[0].Def
	if def.Title == "" || !strings.Contains(def.Description, "start_index") {
		t.Errorf("title %q description %q", def.Title, def.Description)
	}
	a := def.Annotations
	if a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint ||
		a.IdempotentHint == nil || !*a.IdempotentHint || a.OpenWorldHint == nil || !*a.OpenWorldHint {
		t.Errorf("annotations %+v, want readOnly, not destructive, idempotent, open world", a)
	}
	b, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		InputSchema struct {
			Required   []string                  `json:"required"`
			Properties map[string]map[string]any `json:"properties"`
		} `json:"inputSchema"`
		OutputSchema struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
			Required   []string       `json:"required"`
		} `json:"outputSchema"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	if len(schema.InputSchema.Required) != 1 || schema.InputSchema.Required[0] != "url" {
		t.Errorf("required %v, want [url]", schema.InputSchema.Required)
	}
	for _, p := range []string{"url", "max_length", "start_index", "raw"} {
		if _, ok := schema.InputSchema.Properties[p]; !ok {
			t.Errorf("input property %s missing", p)
		}
	}
	if schema.InputSchema.Properties["max_length"]["default"] != float64(DefaultMaxLength) {
		t.Errorf("max_length schema %v", schema.InputSchema.Properties["max_length"])
	}
	if schema.OutputSchema.Type != "object" {
		t.Errorf("output schema type %q", schema.OutputSchema.Type)
	}
	for _, p := range []string{"url", "final_url", "status", "content_type", "content", "truncated", "start_index", "next_start_index", "total_length"} {
		if _, ok := schema.OutputSchema.Properties[p]; !ok {
			t.Errorf("output property %s missing", p)
		}
	}
}

func TestFetchURL_ArgumentErrors(t *testing.T) {
	tk := newToolkit(t, Config{})
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"no url", map[string]any{}, "no scheme"},
		{"not a url", map[string]any{"url": "::not a url"}, "invalid URL"},
		{"relative url", map[string]any{"url": "example.com/page"}, "no scheme"},
		{"no host", map[string]any{"url": "http:///path"}, "no host"},
		{"bad port", map[string]any{"url": "http://example.com:99999/"}, "port"},
		{"bad legacy ipv4", map[string]any{"url": "http://1.2.3.256/"}, "not a valid one"},
		{"bad host character", map[string]any{"url": "http://exa*mple.com/"}, "invalid URL"},
		{"max_length zero", map[string]any{"url": "http://example.com", "max_length": 0}, "max_length must be from 1"},
		{"max_length too large", map[string]any{"url": "http://example.com", "max_length": 2000000}, "max_length must be from 1"},
		{"start_index negative", map[string]any{"url": "http://example.com", "start_index": -1}, "start_index must be 0 or more"},
		{"wrong type", map[string]any{"url": 42}, "invalid arguments"},
		{"too long", map[string]any{"url": "http://example.com/" + strings.Repeat("a", maxURLLength)}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantContains(t, fetchErr(t, tk, tt.args), tt.want)
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero config", Config{}, ""},
		{"allow hosts", Config{AllowHosts: []string{"localhost", "127.0.0.1:8080", "[::1]:80", "::1", "Intranet.Example.", "bücher.example"}}, ""},
		{"allow host url", Config{AllowHosts: []string{"http://localhost"}}, "not a URL"},
		{"allow host bad port", Config{AllowHosts: []string{"localhost:0"}}, "port"},
		{"allow host empty", Config{AllowHosts: []string{" "}}, "empty"},
		{"allow host wildcard", Config{AllowHosts: []string{"*.example.com"}}, "not a valid host name"},
		{"negative timeout", Config{Timeout: -time.Second}, "timeout"},
		{"negative max bytes", Config{MaxBytes: -1}, "max bytes"},
		{"multi-line user agent", Config{UserAgent: "a\r\nX-Evil: 1"}, "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if tk.cfg.Timeout != DefaultTimeout || tk.cfg.MaxBytes != DefaultMaxBytes || tk.cfg.Resolver == nil {
					t.Errorf("defaults not applied: %+v", tk.cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestFetchURL_Concurrent runs calls in parallel, for the race detector.
func TestFetchURL_Concurrent(t *testing.T) {
	srv := robotsServer(t, 200, "User-agent: *\nDisallow: /private\n")
	tk := newToolkit(t, Config{AllowHosts: []string{srv.hostPort()}})
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := []string{"/a", "/b", "/private"}[i%3]
			res, err := tk.Tools()[0].Handler(t.Context(), newCallRequest(map[string]any{"url": "http://" + srv.hostPort() + path, "max_length": 3}))
			switch {
			case err != nil:
				errs <- path + ": " + err.Error()
			case res.IsError != (path == "/private"):
				errs <- path + ": " + text(res)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
