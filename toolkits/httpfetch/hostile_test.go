package httpfetch

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bigPage returns about size bytes of HTML made of item repeated.
func bigPage(item func(i int) string, size int) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>big</title></head><body><main><table>")
	for i := 0; b.Len() < size; i++ {
		b.WriteString(item(i))
	}
	b.WriteString("</table></main></body></html>")
	return b.String()
}

// TestFetchURL_HostileHTML fetches 10 MB pages that expand in conversion: a
// page of links and a big table. Each call stays under 256 MB above idle and
// within its deadline plus a second, and says that the HTML was cut.
func TestFetchURL_HostileHTML(t *testing.T) {
	links := bigPage(func(i int) string { return fmt.Sprintf(`<a href="/p/%d">l%d</a> `, i, i) }, 10<<20)
	table := bigPage(func(i int) string { return fmt.Sprintf("<tr><td>%d</td><td>x</td><td>y</td></tr>", i) }, 10<<20)
	tests := []struct {
		name    string
		page    string
		timeout time.Duration
		wantErr string // empty: a result cut with a note
	}{
		{name: "10 MB of links", page: links, timeout: 10 * time.Second},
		{name: "10 MB table", page: table, timeout: 10 * time.Second},
		{name: "10 MB of links, conversion past the deadline", page: links, timeout: 100 * time.Millisecond, wantErr: "timed out after 100ms"},
	}
	const htmlCap = 512 << 10
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte(tt.page))
			}))
			// A smaller cap than the default keeps the test quick under the
			// race detector, which slows conversion tenfold.
			tk := localToolkit(t, srv, Config{Timeout: tt.timeout, CacheTTL: -1, MaxHTMLBytes: htmlCap})
			args := map[string]any{"url": "http://" + srv.hostPort() + "/big", "max_length": 2000}
			var got string
			var isErr bool
			var fr FetchResult
			rise, took := measure(t, func() {
				res := call(t, tk, args)
				got, isErr = text(res), res.IsError
				fr, _ = res.StructuredContent.(FetchResult)
			})
			checkBounds(t, rise, took, tt.timeout)
			if tt.wantErr != "" {
				if !isErr || !strings.Contains(got, tt.wantErr) {
					t.Errorf("want an error with %q, got %.300s", tt.wantErr, got)
				}
				return
			}
			if isErr {
				t.Fatalf("error: %.300s", got)
			}
			if !fr.HTMLTruncated || !strings.Contains(fr.Note, "raw=true") || !fr.Truncated {
				t.Errorf("html_truncated %v truncated %v note %q", fr.HTMLTruncated, fr.Truncated, fr.Note)
			}
			if fr.TotalLength > 4*htmlCap {
				t.Errorf("the Markdown is %d characters from %d bytes of HTML", fr.TotalLength, htmlCap)
			}
		})
	}
}
