package httpfetch

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// fakeResolver answers lookups from a function of the host and how many
// times it was asked; it never does a real lookup.
type fakeResolver struct {
	answer func(host string, call int) ([]netip.Addr, error)

	mu    sync.Mutex
	calls map[string]int
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[host]++
	n := r.calls[host]
	r.mu.Unlock()
	if r.answer == nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return r.answer(host, n)
}

// staticResolver maps names to fixed addresses; other names do not exist.
func staticResolver(m map[string][]string) *fakeResolver {
	return &fakeResolver{answer: func(host string, _ int) ([]netip.Addr, error) {
		addrs, ok := m[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		out := make([]netip.Addr, len(addrs))
		for i, a := range addrs {
			out[i] = netip.MustParseAddr(a)
		}
		return out, nil
	}}
}

// recordingDialer records every connect the toolkit makes. Loopback
// addresses are dialled as they are (they stay on this machine); every other
// address is redirected to trap, a local server, so that no test can send a
// packet to a private or public address even if the policy had a bug.
type recordingDialer struct {
	trap string

	mu    sync.Mutex
	addrs []string
}

func (d *recordingDialer) dial(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, address)
	d.mu.Unlock()
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("recording dialer: %q is not an IP literal", address)
	}
	target := address
	if !ap.Addr().IsLoopback() {
		if d.trap == "" {
			return nil, fmt.Errorf("recording dialer: refusing to dial %s", address)
		}
		target = d.trap
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", target)
}

func (d *recordingDialer) attempts() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// testServer is an httptest server that counts connections and requests.
type testServer struct {
	*httptest.Server
	conns    atomic.Int64
	requests atomic.Int64

	mu    sync.Mutex
	paths []string
}

func newTestServer(t *testing.T, h http.Handler) *testServer {
	t.Helper()
	return startTestServer(t, h, false)
}

func startTestServer(t *testing.T, h http.Handler, tls bool) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.RequestURI())
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake errors are expected in some tests
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// hostPort is the server's 127.0.0.1:PORT.
func (s *testServer) hostPort() string { return s.Listener.Addr().String() }

// port is the server's port.
func (s *testServer) port() string {
	_, p, _ := net.SplitHostPort(s.hostPort())
	return p
}

func (s *testServer) requestedPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// countPath counts requests for path.
func (s *testServer) countPath(path string) int {
	n := 0
	for _, p := range s.requestedPaths() {
		if p == path {
			n++
		}
	}
	return n
}

func newToolkit(t *testing.T, cfg Config) *Toolkit {
	t.Helper()
	if cfg.Resolver == nil {
		cfg.Resolver = staticResolver(nil)
	}
	tk, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = tk.Close() })
	return tk
}

// call runs fetch_url with args and fails the test on a Go error.
func call(t *testing.T, tk *Toolkit, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := tk.Tools()[0].Handler(context.Background(), newCallRequest(args))
	if err != nil {
		t.Fatalf("fetch_url %v: Go error %v", args, err)
	}
	if res == nil {
		t.Fatalf("fetch_url %v: nil result", args)
	}
	return res
}

func newCallRequest(args map[string]any) mcp.CallToolRequest {
	var req mcp.CallToolRequest
	req.Params.Name = "fetch_url"
	req.Params.Arguments = args
	return req
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// fetchOK runs fetch_url, requires success, and checks that the text block
// carries the same facts as the structured content.
func fetchOK(t *testing.T, tk *Toolkit, args map[string]any) FetchResult {
	t.Helper()
	res := call(t, tk, args)
	if res.IsError {
		t.Fatalf("fetch_url %v: unexpected error result: %s", args, text(res))
	}
	fr, ok := res.StructuredContent.(FetchResult)
	if !ok {
		t.Fatalf("structured content is %T, want FetchResult", res.StructuredContent)
	}
	checkPageText(t, text(res), fr)
	return fr
}

// fetchErr runs fetch_url, requires an isError result and returns its text.
func fetchErr(t *testing.T, tk *Toolkit, args map[string]any) string {
	t.Helper()
	res := call(t, tk, args)
	if !res.IsError {
		t.Fatalf("fetch_url %v: want an error result, got %s", args, text(res))
	}
	return text(res)
}

func wantContains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}
