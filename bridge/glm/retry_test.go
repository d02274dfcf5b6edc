package glm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClient_Complete_retries(t *testing.T) {
	okJSON := func(t *testing.T) reply {
		return fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200)
	}
	okSSE := func(t *testing.T) reply { return fixtureReply(t, "stream_glm47flash_text_with_reasoning.sse", 200) }
	tests := []struct {
		name      string
		stream    bool
		replies   func(t *testing.T) []reply
		wantHits  int
		wantWaits []time.Duration // nil: not checked beyond the count hits-1
		wantKind  ErrorKind       // KindUnknown with wantOK
		wantOK    bool
		wantText  string // in the error
	}{
		{
			name: "429 code 1302 then success is retried", wantHits: 2, wantOK: true,
			replies: func(t *testing.T) []reply {
				return []reply{fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429), okJSON(t)}
			},
		},
		{
			name: "429 code 1113 is not retried", wantHits: 1, wantKind: KindQuota, wantText: "Insufficient balance",
			replies: func(t *testing.T) []reply {
				return []reply{fixtureReply(t, "error_429_1113_COMPOSED_from_docs_table.json", 429), okJSON(t)}
			},
		},
		{
			name: "500 then success is retried", wantHits: 2, wantOK: true,
			replies: func(t *testing.T) []reply {
				return []reply{{status: 500, body: []byte("internal error")}, okJSON(t)}
			},
		},
		{
			name: "500 with code 1234 then success streams", stream: true, wantHits: 2, wantOK: true,
			replies: func(t *testing.T) []reply {
				return []reply{{status: 500, body: []byte(`{"error":{"code":1234,"message":"Network error"}}`)}, okSSE(t)}
			},
		},
		{
			name: "401 is not retried and names the key variable", wantHits: 1, wantKind: KindAuth, wantText: "set ZAI_API_KEY",
			replies: func(t *testing.T) []reply {
				return []reply{fixtureReply(t, "error_401_1001_docs_example.json", 401), okJSON(t)}
			},
		},
		{
			name: "Retry-After is honoured", wantHits: 2, wantOK: true, wantWaits: []time.Duration{7 * time.Second},
			replies: func(t *testing.T) []reply {
				r := fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429)
				r.header = map[string]string{"Retry-After": "7"}
				return []reply{r, okJSON(t)}
			},
		},
		{
			name: "Retry-After beyond the limit ends the call", wantHits: 1, wantKind: KindRateLimit, wantWaits: []time.Duration{},
			replies: func(t *testing.T) []reply {
				r := fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429)
				r.header = map[string]string{"Retry-After": "3600"}
				return []reply{r, okJSON(t)}
			},
		},
		{
			name: "attempts are bounded", wantHits: 3, wantKind: KindServer, wantText: "503",
			replies: func(t *testing.T) []reply { return []reply{{status: 503, body: []byte("busy")}} },
		},
		{
			name: "in-stream 1302 before any output is retried", stream: true, wantHits: 2, wantOK: true,
			replies: func(t *testing.T) []reply {
				return []reply{{sse: true, body: []byte("data: {\"error\":{\"code\":\"1302\",\"message\":\"Rate limit reached for requests\"}}\n\n")}, okSSE(t)}
			},
		},
		{
			name: "stream cut before any output is retried", stream: true, wantHits: 2, wantOK: true,
			replies: func(t *testing.T) []reply {
				return []reply{{sse: true, cutConn: true, body: []byte("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n")}, okSSE(t)}
			},
		},
		{
			name: "stream cut after output is not retried", stream: true, wantHits: 1, wantText: "partial output",
			replies: func(t *testing.T) []reply {
				return []reply{{sse: true, cutConn: true, body: []byte("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n")}, okSSE(t)}
			},
		},
		{
			name: "stream ended cleanly without [DONE] after output is not retried", stream: true, wantHits: 1, wantText: "before [DONE]",
			replies: func(t *testing.T) []reply {
				return []reply{{sse: true, body: []byte("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n")}, okSSE(t)}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, tt.replies(t)...)
			c := newTestClient(t, f, "zai", func(cfg *Config) { cfg.MaxAttempts = 3 })
			resp, err := c.Complete(context.Background(), userRequest(tt.stream), nil)
			if f.hits() != tt.wantHits {
				t.Errorf("%d requests, want %d", f.hits(), tt.wantHits)
			}
			waits := c.recordedWaits()
			if tt.wantWaits != nil && !equalDurations(waits, tt.wantWaits) || len(waits) != tt.wantHits-1 && tt.wantWaits == nil {
				t.Errorf("waits = %v, want %v (one per retry)", waits, tt.wantWaits)
			}
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				if resp.Exchange.Attempts != tt.wantHits || resp.Message().Content == "" {
					t.Errorf("attempts %d content %q", resp.Exchange.Attempts, resp.Message().Content)
				}
				return
			}
			if err == nil {
				t.Fatal("Complete succeeded, want an error")
			}
			var api *APIError
			if tt.wantKind != KindUnknown && (!errors.As(err, &api) || api.Kind != tt.wantKind) {
				t.Errorf("err = %v, want an APIError of kind %v", err, tt.wantKind)
			}
			if !strings.Contains(err.Error(), tt.wantText) || strings.Contains(err.Error(), testKey) {
				t.Errorf("err = %q, want it to contain %q and not the key", err, tt.wantText)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestClient_Complete_cutStreamKeepsPartialOutput(t *testing.T) {
	body := "data: {\"id\":\"c1\",\"model\":\"glm-4.7\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think\"}}]}\n\n" +
		"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n" +
		"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_1\",\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n"
	f := newFakeAPI(t, reply{sse: true, cutConn: true, body: []byte(body)})
	c := newTestClient(t, f, "zai", nil)
	var log eventLog
	resp, err := c.Complete(context.Background(), userRequest(true), log.add)
	var se *StreamError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StreamError", err)
	}
	m := se.Partial.Message()
	if se.Partial != resp || m.ReasoningContent != "think" || m.Content != "Hello" || len(m.ToolCalls) != 1 ||
		m.ToolCalls[0].Function.Arguments != `{"a":` || resp.ID != "c1" {
		t.Errorf("partial = %+v", m)
	}
	if log.text(0, EventContentDelta) != "Hello" || f.hits() != 1 {
		t.Errorf("events %q, %d requests", log.text(0, EventContentDelta), f.hits())
	}
	if !strings.Contains(err.Error(), "partial output") || !strings.Contains(err.Error(), "5 bytes of content") {
		t.Errorf("Error() = %q", err)
	}
}

func TestClient_Complete_cancelDuringBackoff(t *testing.T) {
	f := newFakeAPI(t, fixtureReply(t, "error_429_1302_COMPOSED_from_docs_table.json", 429))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A backoff of an hour, cancelled once the wait has begun: the call can only return if
	// cancellation cuts the wait short.
	c := newTestClient(t, f, "zai", func(cfg *Config) {
		cfg.Backoff = func(int) time.Duration { return time.Hour }
	})
	c.sleep = func(ctx context.Context, d time.Duration) error {
		go cancel()
		return sleepCtx(ctx, d)
	}
	_, err := c.Complete(ctx, userRequest(false), nil)
	var api *APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &api) || api.Code != "1302" {
		t.Fatalf("err = %v, want context.Canceled wrapping the 1302 error", err)
	}
	if f.hits() != 1 {
		t.Errorf("%d requests after cancel, want 1", f.hits())
	}
}

func TestClient_Complete_cancelMidStream(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	srv := newFakeAPI(t)
	srv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"))
		w.(http.Flusher).Flush()
		select { // hold the stream open until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newTestClient(t, srv, "zai", nil)
	resp, err := c.Complete(ctx, userRequest(true), func(ev Event) {
		if ev.Type == EventContentDelta {
			cancel()
		}
	})
	var se *StreamError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || resp.Message().Content != "Hi" {
		t.Fatalf("err = %v, resp = %+v; want a StreamError with context.Canceled and the partial text", err, resp)
	}
}

func TestClient_Complete_connectionRefusedIsRetried(t *testing.T) {
	f := newFakeAPI(t, reply{})
	c := newTestClient(t, f, "zai", func(cfg *Config) { cfg.MaxAttempts = 2 })
	f.srv.Close()
	_, err := c.Complete(context.Background(), userRequest(false), nil)
	if err == nil || !strings.Contains(err.Error(), "connection failed") {
		t.Fatalf("err = %v", err)
	}
	if n := len(c.recordedWaits()); n != 1 {
		t.Errorf("%d waits, want 1 (two attempts)", n)
	}
}

func TestJittered(t *testing.T) {
	b := jittered(time.Second, 10*time.Second)
	tests := []struct {
		name   string
		retry  int
		lo, hi time.Duration
	}{
		{"first retry", 1, 500 * time.Millisecond, time.Second},
		{"second retry doubles", 2, time.Second, 2 * time.Second},
		{"capped", 10, 5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 50 {
				d := b(tt.retry)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("wait %v outside [%v, %v]", d, tt.lo, tt.hi)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("50 waits all equal: no jitter")
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{"http date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"milliseconds", map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"negative", map[string]string{"Retry-After": "-4"}, 0},
		{"absent", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := parseRetryAfter(h, now); got != tt.want {
				t.Errorf("parseRetryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}
