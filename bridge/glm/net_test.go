package glm

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestClient_Complete_keyStaysOnOrigin: a redirect to another origin (here another port of the
// same host, which Go's own policy would follow with the key) is not followed; one within the
// origin is, with the key.
func TestClient_Complete_keyStaysOnOrigin(t *testing.T) {
	var otherHits, otherKeys atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), testKey) {
			otherKeys.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(readFixture(t, "response_glm47flash_nonstream_final_text.json"))
	}))
	defer other.Close()
	f := newFakeAPI(t, fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200))
	var hits atomic.Int32
	var sameOriginKey atomic.Value
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/cross/chat/completions":
			http.Redirect(w, r, other.URL+"/v4/chat/completions", http.StatusTemporaryRedirect)
		case "/same/chat/completions":
			http.Redirect(w, r, "/moved/chat/completions", http.StatusTemporaryRedirect)
		default:
			sameOriginKey.Store(r.Header.Get("Authorization"))
			f.serve(w, r)
		}
	}))
	defer endpoint.Close()
	callerClient := &http.Client{}
	newClient := func(path string) *Client {
		c, err := NewClient(Config{BaseURL: endpoint.URL + path, APIKey: testKey, HTTPClient: callerClient, MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	_, err := newClient("/cross").Complete(context.Background(), userRequest(false), nil)
	if !errors.Is(err, ErrCrossOriginRedirect) || strings.Contains(err.Error(), testKey) {
		t.Fatalf("err = %v, want ErrCrossOriginRedirect", err)
	}
	if otherHits.Load() != 0 || otherKeys.Load() != 0 || hits.Load() != 1 {
		t.Errorf("other origin got %d requests (%d with the key); endpoint %d; want 0, 0, 1 (no retry)",
			otherHits.Load(), otherKeys.Load(), hits.Load())
	}

	if _, err := newClient("/same").Complete(context.Background(), userRequest(false), nil); err != nil {
		t.Fatalf("same-origin redirect: %v", err)
	}
	if got := sameOriginKey.Load(); got != "Bearer "+testKey {
		t.Errorf("after a same-origin redirect Authorization = %v", got)
	}
	if callerClient.CheckRedirect != nil {
		t.Error("the caller's http.Client was changed")
	}
}

// TestClient_Complete_dnsNotFoundNotRetried: "no such host" is permanent; a temporary DNS
// failure is retried.
func TestClient_Complete_dnsNotFoundNotRetried(t *testing.T) {
	tests := []struct {
		name      string
		dnsErr    *net.DNSError
		wantDials int32
	}{
		{"no such host", &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}, 1},
		{"temporary", &net.DNSError{Err: "server misbehaving", Name: "api.example.invalid", IsTemporary: true}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dials atomic.Int32
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return nil, &net.OpError{Op: "dial", Net: network, Err: tt.dnsErr}
			}}
			f := newFakeAPI(t)
			c := newTestClient(t, f, "zai", func(cfg *Config) {
				cfg.BaseURL = "https://api.example.invalid/v4"
				cfg.HTTPClient = &http.Client{Transport: tr}
				cfg.MaxAttempts = 3
			})
			_, err := c.Complete(context.Background(), userRequest(false), nil)
			if err == nil || !strings.Contains(err.Error(), tt.dnsErr.Err) {
				t.Fatalf("err = %v", err)
			}
			if dials.Load() != tt.wantDials {
				t.Errorf("%d dials, want %d", dials.Load(), tt.wantDials)
			}
		})
	}
}

// TestClient_Complete_retryLogHasUnits: the wait is logged as a duration with its unit.
func TestClient_Complete_retryLogHasUnits(t *testing.T) {
	f := newFakeAPI(t, fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429),
		fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200))
	c := newTestClient(t, f, "zai", func(cfg *Config) { cfg.Backoff = func(int) time.Duration { return 1500 * time.Millisecond } })
	mustComplete(t, c, userRequest(false))
	c.mu.Lock()
	logs := c.logs.String()
	c.mu.Unlock()
	var retry, attempt map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch m["message"] {
		case "glm: retrying":
			retry = m
		case "glm: completion attempt":
			attempt = m
		}
	}
	if retry == nil || retry["wait"] != "1.5s" || retry["wait_ms"] != 1500.0 {
		t.Errorf("retry log = %v, want wait \"1.5s\" and wait_ms 1500", retry)
	}
	if d, ok := attempt["dur"].(string); !ok || !strings.HasSuffix(d, "s") {
		t.Errorf("attempt log dur = %v, want a duration with its unit", attempt["dur"])
	} else if _, err := time.ParseDuration(d); err != nil {
		t.Errorf("dur %q: %v", d, err)
	}
}
