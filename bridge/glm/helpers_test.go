package glm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// testKey is the API key every test client uses; tests assert it never leaks.
const testKey = "sk-test-SECRET-0123456789abcdef"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// reply is one canned answer of a fake endpoint.
type reply struct {
	status  int
	header  map[string]string
	body    []byte
	sse     bool
	cutConn bool // hijack and close the connection after the body, before a clean end
}

func fixtureReply(t testing.TB, name string, status int) reply {
	r := reply{status: status, body: readFixture(t, name), sse: strings.HasSuffix(name, ".sse")}
	if strings.HasSuffix(name, ".html") {
		r.header = map[string]string{"Content-Type": "text/html"}
	}
	return r
}

// recorded is one request the fake endpoint received.
type recorded struct {
	header http.Header
	url    string
	body   []byte
}

// fakeAPI plays replies in order (the last one repeats) and records the requests.
type fakeAPI struct {
	t       testing.TB
	mu      sync.Mutex
	replies []reply
	reqs    []recorded
	onHit   func(n int) // called after each request is recorded, with the hit count
	srv     *httptest.Server
}

func newFakeAPI(t testing.TB, replies ...reply) *fakeAPI {
	f := &fakeAPI{t: t, replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{header: r.Header.Clone(), url: r.URL.String(), body: body})
	n := len(f.reqs)
	rep := f.replies[min(n, len(f.replies))-1]
	hook := f.onHit
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if rep.sse {
		w.Header().Set("Content-Type", "text/event-stream")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("X-Log-Id", "log-"+strings.TrimPrefix(r.URL.Path, "/"))
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(cmp(rep.status, http.StatusOK))
	if rep.cutConn {
		_, _ = w.Write(rep.body)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	_, _ = w.Write(rep.body)
}

func (f *fakeAPI) hits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// testClient returns a client of the named profile pointed at f, with instant recorded
// backoff and a logger writing into logs.
type testClient struct {
	*Client
	logs  *bytes.Buffer
	mu    sync.Mutex
	waits []time.Duration
}

func newTestClient(t testing.TB, f *fakeAPI, profile string, mod func(*Config)) *testClient {
	t.Helper()
	p, err := LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	tc := &testClient{logs: &bytes.Buffer{}}
	cfg := Config{
		Profile: p, BaseURL: f.srv.URL + "/v4", APIKey: testKey,
		Logger: zerolog.New(&lockedWriter{w: tc.logs, mu: &tc.mu}).Level(zerolog.DebugLevel),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		tc.mu.Lock()
		tc.waits = append(tc.waits, d)
		tc.mu.Unlock()
		return ctx.Err()
	}
	tc.Client = c
	return tc
}

func (tc *testClient) recordedWaits() []time.Duration {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return append([]time.Duration(nil), tc.waits...)
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// eventLog collects events and rebuilds the text they carried.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (e *eventLog) add(ev Event) {
	e.mu.Lock()
	e.events = append(e.events, ev)
	e.mu.Unlock()
}

func (e *eventLog) text(choice int, typ EventType) string {
	var b strings.Builder
	for _, ev := range e.events {
		if ev.Choice == choice && ev.Type == typ {
			b.WriteString(ev.Text)
		}
	}
	return b.String()
}

func (e *eventLog) args(choice, index int) string {
	var b strings.Builder
	for _, ev := range e.events {
		if ev.Choice == choice && ev.Type == EventToolCallDelta && ev.ToolCall.Index == index {
			b.WriteString(ev.ToolCall.Arguments)
		}
	}
	return b.String()
}

func (e *eventLog) count(typ EventType) int {
	n := 0
	for _, ev := range e.events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, b)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

func userRequest(stream bool) Request {
	return Request{Messages: []Message{{Role: RoleUser, Content: "hi"}}, Stream: stream}
}
