package httpfetch

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// serveBytes serves body with the given Content-Type ("" sends none).
func serveBytes(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if contentType == "" {
			w.Header()["Content-Type"] = nil // suppress sniffing by net/http
		} else {
			w.Header().Set("Content-Type", contentType)
		}
		_, _ = w.Write(body)
	})
}

// localToolkit allows the server's host:port and skips robots.txt.
func localToolkit(t *testing.T, srv *testServer, cfg Config) *Toolkit {
	t.Helper()
	cfg.AllowHosts = append(cfg.AllowHosts, srv.hostPort())
	cfg.IgnoreRobots = true
	return newToolkit(t, cfg)
}

func TestFetchURL_ArticleMarkdown(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, serveBytes("text/html; charset=utf-8", page))
	tk := localToolkit(t, srv, Config{})
	fr := fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/blog/2024/contexts.html#top"})
	origin := "http://" + srv.hostPort()
	if fr.URL != origin+"/blog/2024/contexts.html" || fr.FinalURL != fr.URL {
		t.Errorf("url %q final_url %q", fr.URL, fr.FinalURL)
	}
	if fr.Status != 200 || fr.ContentType != "text/html" || fr.Truncated {
		t.Errorf("status %d content_type %q truncated %v", fr.Status, fr.ContentType, fr.Truncated)
	}
	md := fr.Content
	wantContains(t, md,
		"# Understanding Go Contexts",
		"## Why contexts matter",
		"### Timeouts compared",
		"[package documentation]("+origin+"/blog/docs/context.html)",
		"[the FAQ]("+origin+"/faq#contexts)",
		"[the official post](https://go.dev/blog/context)",
		"![Context tree]("+origin+"/blog/2024/images/diagram.png)",
		"- Pass `ctx` as the first parameter.",
		"```go\nfunc fetch(ctx context.Context, url string) error {",
		"| Method",
		"| http.Client.Timeout",
		"| context.WithTimeout",
		"Filed under",
	)
	for _, noise := range []string{"SECRET-TRACKER-ID", "font-family", "Archive", "About us", "Accept all", "We use cookies", "Copyright 2024", "Goroutines", "Subscribe"} {
		if strings.Contains(md, noise) {
			t.Errorf("noise %q left in the Markdown", noise)
		}
	}
	golden := filepath.Join("testdata", "article.golden.md")
	got := strings.ReplaceAll(md, origin, "http://HOST")
	if *update {
		if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got+"\n" != string(want) {
		t.Errorf("Markdown differs from %s (run go test -update after checking):\n%s", golden, got)
	}
}

func TestFetchURL_Passthrough(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		wantType    string
		raw         bool
	}{
		{"json", "application/json", "{\"name\": \"glm-mcp\",\n \"tags\": [\"<b>not html</b>\", \"ü\"]}\n", "application/json", false},
		{"problem json", "application/problem+json", `{"title":"x"}`, "application/problem+json", false},
		{"plain text", "text/plain; charset=utf-8", "line one\n  line two with <html> & ümlauts 日本\n", "text/plain", false},
		{"markdown", "text/markdown", "# Title\n\n* item\n", "text/markdown", false},
		{"csv", "text/csv", "a,b\n1,2\n", "text/csv", false},
		{"xml", "application/rss+xml", "<rss><channel><title>x</title></channel></rss>", "application/rss+xml", false},
		{"raw html", "text/html", "<html><body><h1>Hi</h1><script>x()</script></body></html>", "text/html", true},
		{"json without content type", "", `{"sniffed": true}`, "application/json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, serveBytes(tt.contentType, []byte(tt.body)))
			tk := localToolkit(t, srv, Config{})
			fr := fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/x", "raw": tt.raw})
			if fr.Content != tt.body {
				t.Errorf("content %q, want %q", fr.Content, tt.body)
			}
			if fr.ContentType != tt.wantType {
				t.Errorf("content_type %q, want %q", fr.ContentType, tt.wantType)
			}
			if fr.TotalLength != utf8.RuneCountInString(tt.body) {
				t.Errorf("total_length %d, want %d", fr.TotalLength, utf8.RuneCountInString(tt.body))
			}
		})
	}
}

func TestFetchURL_Charsets(t *testing.T) {
	latin1, err := charmap.ISO8859_1.NewEncoder().String("Café crème brûlée à la façon de Zoë")
	if err != nil {
		t.Fatal(err)
	}
	sjisText := "日本語のページです。こんにちは、世界！"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(sjisText)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		raw         bool
		want        string
	}{
		{"latin-1 in header", "text/html; charset=ISO-8859-1", "<html><body><p>" + latin1 + "</p></body></html>", false, "Café crème brûlée à la façon de Zoë"},
		{"latin-1 in meta", "text/html", `<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body><p>` + latin1 + "</p></body></html>", false, "Café crème brûlée à la façon de Zoë"},
		{"latin-1 text, no charset", "text/plain", latin1, false, "Café crème brûlée à la façon de Zoë"},
		{"shift_jis in meta", "text/html", `<html><head><meta charset="Shift_JIS"><title>t</title></head><body><h1>` + sjis + "</h1></body></html>", false, "# " + sjisText},
		{"shift_jis in header", "text/html; charset=shift_jis", "<p>" + sjis + "</p>", false, sjisText},
		{"shift_jis text", "text/plain; charset=Shift_JIS", sjis, false, sjisText},
		{"shift_jis raw html", "text/html", `<meta charset="shift_jis"><p>` + sjis + "</p>", true, `<meta charset="shift_jis"><p>` + sjisText + "</p>"},
		{"utf-8 without declaration", "text/html", "<p>" + strings.Repeat("ascii ", 300) + "naïve 日本</p>", false, "naïve 日本"},
		{"utf-16 with bom", "text/plain", "\xff\xfeh\x00i\x00", false, "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, serveBytes(tt.contentType, []byte(tt.body)))
			tk := localToolkit(t, srv, Config{})
			fr := fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/", "raw": tt.raw})
			if !strings.Contains(fr.Content, tt.want) {
				t.Errorf("content %q does not contain %q", fr.Content, tt.want)
			}
			if !utf8.ValidString(fr.Content) || strings.ContainsRune(fr.Content, utf8.RuneError) {
				t.Errorf("content is not cleanly decoded: %q", fr.Content)
			}
		})
	}
}

// TestFetchURL_Paging reads a multi-byte page in pieces; joined, the pieces
// must equal the whole content, and the page must be fetched once.
func TestFetchURL_Paging(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 20000; i++ {
		b.WriteString("Grüße, 世界! 🎉 line ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("\n")
	}
	body := b.String()
	for _, tc := range []struct {
		name        string
		contentType string
	}{{"text", "text/plain; charset=utf-8"}, {"markdown", "text/html; charset=utf-8"}} {
		t.Run(tc.name, func(t *testing.T) {
			page := body
			if tc.contentType == "text/html; charset=utf-8" {
				page = "<html><body><h1>Title</h1><pre>" + body + "</pre></body></html>"
			}
			srv := newTestServer(t, serveBytes(tc.contentType, []byte(page)))
			tk := localToolkit(t, srv, Config{})
			url := "http://" + srv.hostPort() + "/doc"
			whole := fetchOK(t, tk, map[string]any{"url": url, "max_length": MaxMaxLength})
			if whole.Truncated || whole.NextStartIndex != 0 || whole.Note != "" {
				t.Fatalf("whole page: truncated=%v next=%d note=%q", whole.Truncated, whole.NextStartIndex, whole.Note)
			}
			const size = 997
			var joined strings.Builder
			start, pages := 0, 0
			for ; pages < whole.TotalLength/size+2; pages++ {
				fr := fetchOK(t, tk, map[string]any{"url": url, "max_length": size, "start_index": start})
				if fr.StartIndex != start || fr.TotalLength != whole.TotalLength {
					t.Fatalf("page %d: start_index %d total_length %d", pages, fr.StartIndex, fr.TotalLength)
				}
				if !utf8.ValidString(fr.Content) || utf8.RuneCountInString(fr.Content) > size {
					t.Fatalf("page %d: %d characters, valid UTF-8 %v", pages, utf8.RuneCountInString(fr.Content), utf8.ValidString(fr.Content))
				}
				joined.WriteString(fr.Content)
				if !fr.Truncated {
					if fr.NextStartIndex != 0 || fr.Note != "" {
						t.Fatalf("last page: next_start_index %d note %q", fr.NextStartIndex, fr.Note)
					}
					break
				}
				if fr.NextStartIndex != start+size {
					t.Fatalf("page %d: next_start_index %d, want %d", pages, fr.NextStartIndex, start+size)
				}
				wantContains(t, fr.Note, "start_index=")
				start = fr.NextStartIndex
			}
			if joined.String() != whole.Content {
				t.Fatalf("joined pages (%d chars) differ from the whole content (%d chars)", utf8.RuneCountInString(joined.String()), whole.TotalLength)
			}
			if pages < 2 {
				t.Fatalf("only %d pages; the test needs several", pages+1)
			}
			if n := srv.requests.Load(); n != 1 {
				t.Fatalf("server got %d requests, want 1 (pages from the cache)", n)
			}
			msg := fetchErr(t, tk, map[string]any{"url": url, "start_index": whole.TotalLength + 5})
			wantContains(t, msg, "past the end", "total_length")
		})
	}
}

func TestFetchURL_HTTPS(t *testing.T) {
	srv := startTestServer(t, serveBytes("text/plain", []byte("secure")), true)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	tk := localToolkit(t, srv, Config{RootCAs: pool})
	fr := fetchOK(t, tk, map[string]any{"url": "https://" + srv.hostPort() + "/"})
	if fr.Content != "secure" {
		t.Fatalf("content %q", fr.Content)
	}
	untrusted := localToolkit(t, srv, Config{})
	msg := fetchErr(t, untrusted, map[string]any{"url": "https://" + srv.hostPort() + "/other"})
	wantContains(t, msg, "could not fetch", "certificate")
}

func TestFetchURL_HTTPStatus(t *testing.T) {
	tests := []struct {
		name string
		code int
		body string
		want []string
	}{
		{"not found", 404, "<html><body><h1>No such page</h1><p>Try the search.</p></body></html>", []string{"404 Not Found", "not found; check the URL", "# No such page"}},
		{"gone", 410, "", []string{"410 Gone", "not found"}},
		{"unauthorized", 401, "", []string{"401", "login"}},
		{"forbidden", 403, "", []string{"403", "forbidden"}},
		{"rate limited", 429, "", []string{"429", "rate limited"}},
		{"server error", 503, `{"error":"maintenance"}`, []string{"503", "try again later", `{"error":"maintenance"}`}},
		{"bad request", 400, "", []string{"400", "check the URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if strings.HasPrefix(tt.body, "{") {
					w.Header().Set("Content-Type", "application/json")
				} else {
					w.Header().Set("Content-Type", "text/html")
				}
				w.WriteHeader(tt.code)
				_, _ = w.Write([]byte(tt.body))
			}))
			tk := localToolkit(t, srv, Config{})
			msg := fetchErr(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/missing"})
			wantContains(t, msg, tt.want...)
			fetchErr(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/missing"})
			if n := srv.requests.Load(); n != 2 {
				t.Errorf("server got %d requests, want 2 (errors are not cached)", n)
			}
		})
	}
}

func TestFetchURL_UserAgent(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"default", Config{Version: "1.2.3"}, "glm-mcp/1.2.3 (+https://github.com/glm-mcp/glm-mcp)"},
		{"no version", Config{}, "glm-mcp/dev (+https://github.com/glm-mcp/glm-mcp)"},
		{"override", Config{UserAgent: "MyAgent/9"}, "MyAgent/9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan string, 4)
			srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- r.URL.Path + " " + r.UserAgent()
				_, _ = w.Write([]byte("ok"))
			}))
			tt.cfg.AllowHosts = []string{srv.hostPort()}
			tk := newToolkit(t, tt.cfg)
			fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/page"})
			for _, path := range []string{"/robots.txt", "/page"} {
				if ua := <-got; ua != path+" "+tt.want {
					t.Errorf("request %q, want %q", ua, path+" "+tt.want)
				}
			}
		})
	}
}

func TestFetchURL_Cache(t *testing.T) {
	srv := newTestServer(t, serveBytes("text/html", []byte("<p>hello <b>world</b></p>")))
	tk := localToolkit(t, srv, Config{})
	url := "http://" + srv.hostPort() + "/"
	first := fetchOK(t, tk, map[string]any{"url": url})
	second := fetchOK(t, tk, map[string]any{"url": url + "#fragment"})
	if first != second || srv.requests.Load() != 1 {
		t.Fatalf("second fetch: %+v, %d requests, want the cached page", second, srv.requests.Load())
	}
	raw := fetchOK(t, tk, map[string]any{"url": url, "raw": true})
	if raw.Content != "<p>hello <b>world</b></p>" || srv.requests.Load() != 2 {
		t.Fatalf("raw fetch %q, %d requests; raw is cached apart", raw.Content, srv.requests.Load())
	}

	noCache := localToolkit(t, srv, Config{CacheTTL: -1})
	fetchOK(t, noCache, map[string]any{"url": url})
	fetchOK(t, noCache, map[string]any{"url": url})
	if n := srv.requests.Load(); n != 4 {
		t.Fatalf("%d requests with the cache off, want 4", n)
	}
}
