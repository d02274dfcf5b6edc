package httpfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// allocatedDuring returns the bytes allocated while fn ran. Tests that use
// it do not run in parallel, so the figure is theirs.
func allocatedDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestFetchURL_EndlessBody serves a body that does not end (up to 256 MiB):
// the read must stop at the cap, with memory bounded by the cap.
func TestFetchURL_EndlessBody(t *testing.T) {
	const limit = 256 << 10
	const most = 256 << 20
	var written atomic.Int64
	done := make(chan struct{})
	srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		defer close(done)
		w.Header().Set("Content-Type", "text/plain")
		chunk := bytes.Repeat([]byte("endless "), 4096)
		for written.Load() < most {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	tk := localToolkit(t, srv, Config{MaxBytes: limit})
	var fr FetchResult
	alloc := allocatedDuring(func() {
		fr = fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/endless", "max_length": 100})
	})
	if !fr.BodyTruncated || fr.TotalLength != limit {
		t.Fatalf("body_truncated %v total_length %d, want true and %d", fr.BodyTruncated, fr.TotalLength, limit)
	}
	wantContains(t, fr.Note, "size limit", "--fetch-max-bytes", "start_index=100")
	t.Logf("allocated %d bytes", alloc)
	if alloc > 32<<20 {
		t.Errorf("allocated %d bytes for a %d-byte cap", alloc, limit)
	}
	<-done // the handler ends when the client hangs up (or after 256 MiB)
	if w := written.Load(); w >= most {
		t.Errorf("the server wrote all %d bytes; the client did not hang up", w)
	}
}

// TestFetchURL_GzipBomb serves 64 MiB of 'A' compressed to 64 KiB: the cap
// applies to the decompressed bytes.
func TestFetchURL_GzipBomb(t *testing.T) {
	bomb, err := os.ReadFile(filepath.Join("testdata", "bomb.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	const limit = 1 << 20
	srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "gzip only", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	}))
	tk := localToolkit(t, srv, Config{MaxBytes: limit})
	var fr FetchResult
	alloc := allocatedDuring(func() {
		fr = fetchOK(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/bomb", "max_length": 10})
	})
	if !fr.BodyTruncated || fr.TotalLength != limit || fr.Content != "AAAAAAAAAA" {
		t.Fatalf("body_truncated %v total_length %d content %q", fr.BodyTruncated, fr.TotalLength, fr.Content)
	}
	t.Logf("allocated %d bytes", alloc)
	if alloc > 48<<20 {
		t.Errorf("allocated %d bytes for a %d-byte cap of a 64 MiB bomb", alloc, limit)
	}
}

func TestFetchURL_UnsupportedEncoding(t *testing.T) {
	srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "br")
		_, _ = w.Write([]byte{0x1b, 0x03, 0x00})
	}))
	tk := localToolkit(t, srv, Config{})
	msg := fetchErr(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/"})
	wantContains(t, msg, "br")
}

// TestFetchURL_Timeout uses a 50 ms timeout against servers that stall
// before the headers and in the middle of the body; it asserts the error
// kind, not the time taken.
func TestFetchURL_Timeout(t *testing.T) {
	stall := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second): // a bound, should the client never hang up
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"before headers", func(_ http.ResponseWriter, r *http.Request) { stall(r) }},
		{"mid body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			stall(r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, tt.handler)
			tk := localToolkit(t, srv, Config{Timeout: 50 * time.Millisecond})
			msg := fetchErr(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/slow"})
			wantContains(t, msg, "timed out after 50ms")

			u, _ := url.Parse("http://" + srv.hostPort() + "/slow2")
			_, err := tk.fetch(context.Background(), u, false)
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("fetch error %v (%T), want *TimeoutError", err, err)
			}
		})
	}
}

// TestFetchURL_CancelledCall checks that a call cancelled by the client is
// a Go error, not a result.
func TestFetchURL_CancelledCall(t *testing.T) {
	srv := newTestServer(t, ok200)
	tk := localToolkit(t, srv, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := newCallRequest(map[string]any{"url": "http://" + srv.hostPort() + "/"})
	res, err := tk.Tools()[0].Handler(ctx, req)
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("got %v, %v; want a context.Canceled error", res, err)
	}
}

func TestFetchURL_Redirects(t *testing.T) {
	srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/chain/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/chain/"))
			if n > 0 {
				http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusMovedPermanently)
				return
			}
			_, _ = w.Write([]byte("arrived"))
		}
	}))
	tk := localToolkit(t, srv, Config{})
	base := "http://" + srv.hostPort()

	msg := fetchErr(t, tk, map[string]any{"url": base + "/loop"})
	wantContains(t, msg, "stopped after 5 redirects")
	if n := srv.countPath("/loop"); n != 6 {
		t.Errorf("/loop requested %d times, want 6 (the first and 5 redirects)", n)
	}

	fr := fetchOK(t, tk, map[string]any{"url": base + "/chain/5"})
	if fr.Content != "arrived" || fr.FinalURL != base+"/chain/0" || fr.URL != base+"/chain/5" {
		t.Errorf("five redirects: content %q url %q final_url %q", fr.Content, fr.URL, fr.FinalURL)
	}
	msg = fetchErr(t, tk, map[string]any{"url": base + "/chain/6"})
	wantContains(t, msg, "stopped after 5 redirects")
}

func TestFetchURL_BinaryRefused(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        []string
	}{
		{"octet-stream", "application/octet-stream", []byte{0, 1, 2, 3}, []string{"application/octet-stream", "only text"}},
		{"image", "image/png", png, []string{"image/png"}},
		{"pdf", "application/pdf", []byte("%PDF-1.7"), []string{"application/pdf"}},
		{"zip", "application/zip", []byte("PK\x03\x04"), []string{"application/zip"}},
		{"sniffed image", "", png, []string{"image/png"}},
		{"text with NUL bytes", "text/plain", []byte("looks like text\x00\x00\x01\x02 but is not"), []string{"declared text/plain", "binary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, serveBytes(tt.contentType, tt.body))
			tk := localToolkit(t, srv, Config{})
			msg := fetchErr(t, tk, map[string]any{"url": "http://" + srv.hostPort() + "/file"})
			wantContains(t, msg, tt.want...)
		})
	}
}

func TestFetchURL_NetworkErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"host not found", "http://nosuch.test/", "the host nosuch.test was not found"},
		{"connection refused", "http://" + closed + "/", "refused the connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := newToolkit(t, Config{AllowHosts: []string{closed}, IgnoreRobots: true})
			wantContains(t, fetchErr(t, tk, map[string]any{"url": tt.url}), "could not fetch", tt.want)
		})
	}
}
