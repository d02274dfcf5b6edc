package httpfetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// ok200 serves a small text page.
var ok200 = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("reached"))
})

// TestFetchURL_SSRFRefused fetches, in the default configuration, every
// spelling of a non-public address we know of. Each must be refused with a
// clear message before any connection: the local server and the dial hook
// must record nothing.
func TestFetchURL_SSRFRefused(t *testing.T) {
	srv := newTestServer(t, ok200)
	trap := newTestServer(t, ok200)
	p := srv.port()
	tests := []struct {
		name string
		url  string
		want []string
	}{
		{"ipv4 loopback", "http://127.0.0.1:" + p + "/", []string{"refused", "127.0.0.1", "loopback"}},
		{"localhost", "http://localhost:" + p + "/", []string{"refused", "localhost", "loopback"}},
		{"localhost trailing dot", "http://LOCALHOST.:" + p + "/", []string{"refused", "loopback"}},
		{"subdomain of localhost", "http://app.localhost:" + p + "/", []string{"refused", "loopback"}},
		{"ipv6 loopback", "http://[::1]:" + p + "/", []string{"refused", "::1", "loopback"}},
		{"unspecified", "http://0.0.0.0:" + p + "/", []string{"refused", "0.0.0.0", "unspecified"}},
		{"ipv6 unspecified", "http://[::]:" + p + "/", []string{"refused", "unspecified"}},
		{"decimal", "http://2130706433:" + p + "/", []string{"refused", "127.0.0.1", "loopback"}},
		{"hex", "http://0x7f000001:" + p + "/", []string{"refused", "127.0.0.1", "loopback"}},
		{"short form", "http://127.1:" + p + "/", []string{"refused", "127.0.0.1", "loopback"}},
		{"octal", "http://0177.0.0.1:" + p + "/", []string{"refused", "127.0.0.1", "loopback"}},
		{"full-width digits", "http://１２７．０．０．１:" + p + "/", []string{"refused", "127.0.0.1", "loopback"}},
		{"percent-encoded host", "http://%31%32%37.0.0.1:" + p + "/", []string{"invalid URL"}},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", []string{"refused", "169.254.169.254", "link-local", "metadata"}},
		{"private 10/8", "http://10.0.0.1/", []string{"refused", "10.0.0.1", "private"}},
		{"private 172.16/12", "http://172.16.0.1/", []string{"refused", "172.16.0.1", "private"}},
		{"private 192.168/16", "http://192.168.1.1/", []string{"refused", "192.168.1.1", "private"}},
		{"cgnat", "http://100.64.0.1/", []string{"refused", "100.64.0.1", "carrier-grade NAT"}},
		{"broadcast", "http://255.255.255.255/", []string{"refused", "broadcast"}},
		{"multicast", "http://224.0.0.1/", []string{"refused", "multicast"}},
		{"ipv6 unique local", "http://[fc00::1]/", []string{"refused", "fc00::1", "unique local"}},
		{"ipv6 link-local", "http://[fe80::1]/", []string{"refused", "link-local"}},
		{"ipv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + p + "/", []string{"refused", "IPv4-mapped", "loopback"}},
		{"ipv4-mapped hex", "http://[::ffff:7f00:1]:" + p + "/", []string{"refused", "IPv4-mapped", "loopback"}},
		{"ipv4-mapped metadata", "http://[::ffff:169.254.169.254]/", []string{"refused", "link-local"}},
		{"ipv4-compatible", "http://[::127.0.0.1]:" + p + "/", []string{"refused", "outside the global unicast"}},
		{"nat64 of metadata", "http://[64:ff9b::a9fe:a9fe]/", []string{"refused", "NAT64", "link-local"}},
		{"6to4 of loopback", "http://[2002:7f00:1::1]/", []string{"refused", "6to4", "loopback"}},
		{"teredo", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", []string{"refused", "Teredo"}},
		{"name resolving to loopback", "http://evil.test:" + p + "/", []string{"refused", "evil.test", "127.0.0.1", "loopback"}},
		{"name resolving to metadata", "http://metadata.test/computeMetadata/v1/", []string{"refused", "169.254.169.254", "link-local"}},
		{"name resolving to private", "http://intranet.test/", []string{"refused", "10.1.2.3", "private"}},
		{"name resolving to mapped loopback", "http://mapped.test:" + p + "/", []string{"refused", "loopback"}},
		{"file scheme", "file:///etc/passwd", []string{"refused", `scheme "file"`, "http and https"}},
		{"ftp scheme", "ftp://127.0.0.1:" + p + "/", []string{"refused", `scheme "ftp"`}},
		{"gopher scheme", "gopher://127.0.0.1:" + p + "/_GET%20/", []string{"refused", `scheme "gopher"`}},
		{"credentials", "http://user:secret@example.test:" + p + "/", []string{"refused", "credentials"}},
		{"user only", "http://admin@example.test:" + p + "/", []string{"refused", "credentials"}},
	}
	resolver := staticResolver(map[string][]string{
		"evil.test":     {"127.0.0.1"},
		"metadata.test": {"169.254.169.254"},
		"intranet.test": {"10.1.2.3"},
		"mapped.test":   {"::ffff:127.0.0.1"},
		"example.test":  {"93.184.216.34"},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialer := &recordingDialer{trap: trap.hostPort()}
			tk := newToolkit(t, Config{Resolver: resolver, DialContext: dialer.dial})
			msg := fetchErr(t, tk, map[string]any{"url": tt.url})
			wantContains(t, msg, tt.want...)
			if strings.Contains(msg, "secret") {
				t.Errorf("message leaks the password: %s", msg)
			}
			if a := dialer.attempts(); len(a) != 0 {
				t.Errorf("dial attempts %v, want none", a)
			}
			if n := srv.conns.Load() + trap.conns.Load(); n != 0 {
				t.Errorf("%d connections reached the servers, want 0", n)
			}
		})
	}
}

// TestFetchURL_SSRFRefusedProductionDialer runs loopback cases through the
// real net.Dialer (no hook), so that the default path is covered too. Only
// loopback targets are used here.
func TestFetchURL_SSRFRefusedProductionDialer(t *testing.T) {
	srv := newTestServer(t, ok200)
	p := srv.port()
	resolver := staticResolver(map[string][]string{"evil.test": {"127.0.0.1"}, "localhost": {"127.0.0.1"}})
	tk := newToolkit(t, Config{Resolver: resolver})
	for _, u := range []string{
		"http://127.0.0.1:" + p + "/", "http://localhost:" + p + "/", "http://2130706433:" + p + "/",
		"http://127.1:" + p + "/", "http://[::ffff:127.0.0.1]:" + p + "/", "http://evil.test:" + p + "/",
		"https://evil.test:" + p + "/",
	} {
		msg := fetchErr(t, tk, map[string]any{"url": u})
		wantContains(t, msg, "refused", "loopback")
	}
	if n := srv.conns.Load(); n != 0 {
		t.Errorf("%d connections reached the server, want 0", n)
	}
}

// TestDialer_ControlRefusesBeforeConnect skips the pre-dial filter and
// checks that the net.Dialer Control function alone stops a connect.
func TestDialer_ControlRefusesBeforeConnect(t *testing.T) {
	srv := newTestServer(t, ok200)
	d := &dialer{policy: &policy{}}
	_, err := d.dialChecked(context.Background(), "tcp", srv.hostPort(), false)
	var re *RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("dialChecked error = %v, want a *RefusedError", err)
	}
	if srv.conns.Load() != 0 {
		t.Fatalf("a connection reached the server")
	}
	conn, err := d.dialChecked(context.Background(), "tcp", srv.hostPort(), true)
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	_ = conn.Close()
}

func TestFetchURL_CredentialsRefusedOnAllowedHost(t *testing.T) {
	srv := newTestServer(t, ok200)
	tk := newToolkit(t, Config{AllowHosts: []string{srv.hostPort()}, IgnoreRobots: true})
	msg := fetchErr(t, tk, map[string]any{"url": "http://user:pw@" + srv.hostPort() + "/"})
	wantContains(t, msg, "credentials")
	if srv.requests.Load() != 0 {
		t.Fatalf("the server was reached")
	}
}

// TestFetchURL_RedirectToRefusedHost follows a redirect from an allowed
// host to hosts that are not allowed; none may be reached.
func TestFetchURL_RedirectToRefusedHost(t *testing.T) {
	victim := newTestServer(t, ok200)
	trap := newTestServer(t, ok200)
	vp := victim.port()
	tests := []struct {
		name     string
		location string
		want     string
	}{
		{"other loopback port", "http://127.0.0.1:" + vp + "/admin", "loopback"},
		{"ipv6 loopback", "http://[::1]:" + vp + "/", "loopback"},
		{"decimal loopback", "http://2130706433:" + vp + "/", "loopback"},
		{"metadata", "http://169.254.169.254/latest/meta-data/", "link-local"},
		{"private", "http://10.0.0.1/", "private"},
		{"name resolving to loopback", "http://evil.test:" + vp + "/", "loopback"},
		{"file scheme", "file:///etc/passwd", `scheme "file"`},
		{"credentials", "http://u:p@93.184.216.34/", "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" {
					http.NotFound(w, r)
					return
				}
				http.Redirect(w, r, tt.location, http.StatusFound)
			}))
			dialer := &recordingDialer{trap: trap.hostPort()}
			tk := newToolkit(t, Config{
				AllowHosts:  []string{origin.hostPort()},
				Resolver:    staticResolver(map[string][]string{"evil.test": {"127.0.0.1"}}),
				DialContext: dialer.dial,
			})
			msg := fetchErr(t, tk, map[string]any{"url": "http://" + origin.hostPort() + "/start"})
			wantContains(t, msg, "refused", tt.want)
			if origin.countPath("/start") != 1 {
				t.Errorf("origin paths %v, want /start once", origin.requestedPaths())
			}
			for _, a := range dialer.attempts() {
				if a != origin.hostPort() {
					t.Errorf("dial attempt to %s, want only the origin", a)
				}
			}
			if victim.conns.Load() != 0 || trap.conns.Load() != 0 {
				t.Errorf("a refused host was reached")
			}
		})
	}
}

// TestFetchURL_DNSRebinding resolves a name to a public address for the
// robots.txt request and to a private one for the page: the page must be
// refused, because each dial checks the address it connects to.
func TestFetchURL_DNSRebinding(t *testing.T) {
	for _, second := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254"} {
		t.Run(second, func(t *testing.T) {
			srv := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close") // no pooled connection: every request dials
				http.NotFound(w, r)
			}))
			resolver := &fakeResolver{answer: func(_ string, n int) ([]netip.Addr, error) {
				if n == 1 {
					return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
				}
				return []netip.Addr{netip.MustParseAddr(second)}, nil
			}}
			dialer := &recordingDialer{trap: srv.hostPort()}
			tk := newToolkit(t, Config{Resolver: resolver, DialContext: dialer.dial})
			msg := fetchErr(t, tk, map[string]any{"url": "http://rebind.test:" + srv.port() + "/page"})
			wantContains(t, msg, "refused", "rebind.test", second)
			if got := srv.requestedPaths(); len(got) != 1 || got[0] != "/robots.txt" {
				t.Errorf("server saw %v, want only /robots.txt", got)
			}
			want := "93.184.216.34:" + srv.port()
			if a := dialer.attempts(); len(a) != 1 || a[0] != want {
				t.Errorf("dial attempts %v, want [%s]", a, want)
			}
		})
	}
}

// TestFetchURL_MixedAnswersDialOnlyPublic checks that a name resolving to
// both private and public addresses is dialled on the public one only.
func TestFetchURL_MixedAnswersDialOnlyPublic(t *testing.T) {
	srv := newTestServer(t, ok200)
	dialer := &recordingDialer{trap: srv.hostPort()}
	tk := newToolkit(t, Config{
		Resolver:     staticResolver(map[string][]string{"mixed.test": {"10.0.0.1", "127.0.0.1", "93.184.216.34"}}),
		DialContext:  dialer.dial,
		IgnoreRobots: true,
	})
	fr := fetchOK(t, tk, map[string]any{"url": "http://mixed.test:" + srv.port() + "/"})
	if fr.Content != "reached" {
		t.Fatalf("content %q", fr.Content)
	}
	want := "93.184.216.34:" + srv.port()
	if a := dialer.attempts(); len(a) != 1 || a[0] != want {
		t.Fatalf("dial attempts %v, want [%s]", a, want)
	}
}

// TestFetchURL_EnvironmentProxyIgnored sets every proxy variable; no request
// may go through the proxy, allowed or refused.
func TestFetchURL_EnvironmentProxyIgnored(t *testing.T) {
	proxy := newTestServer(t, ok200)
	target := newTestServer(t, ok200)
	for _, v := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"} {
		t.Setenv(v, "http://"+proxy.hostPort())
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	dialer := &recordingDialer{trap: target.hostPort()}
	tk := newToolkit(t, Config{
		Resolver:     staticResolver(map[string][]string{"public.test": {"93.184.216.34"}}),
		DialContext:  dialer.dial,
		IgnoreRobots: true,
	})
	fr := fetchOK(t, tk, map[string]any{"url": "http://public.test:" + target.port() + "/"})
	if fr.Content != "reached" {
		t.Fatalf("content %q", fr.Content)
	}
	fetchErr(t, tk, map[string]any{"url": "http://127.0.0.1:" + target.port() + "/x"})
	if proxy.requests.Load() != 0 {
		t.Fatalf("the proxy got %d requests", proxy.requests.Load())
	}
	if target.countPath("/x") != 0 {
		t.Fatalf("the refused URL reached the target")
	}
}

func TestFetchURL_AllowHost(t *testing.T) {
	srv := newTestServer(t, ok200)
	other := newTestServer(t, ok200)
	resolver := staticResolver(map[string][]string{"localhost": {"127.0.0.1"}, "dev.test": {"127.0.0.1"}})
	tests := []struct {
		name  string
		allow []string
		url   string
		ok    bool
	}{
		{"ip and port", []string{srv.hostPort()}, "http://" + srv.hostPort() + "/", true},
		{"ip any port", []string{"127.0.0.1"}, "http://" + srv.hostPort() + "/", true},
		{"decimal spelling of allowed ip", []string{"127.0.0.1"}, "http://2130706433:" + srv.port() + "/", true},
		{"name", []string{"localhost"}, "http://localhost:" + srv.port() + "/", true},
		{"name upper case", []string{"Dev.Test"}, "http://DEV.test:" + srv.port() + "/", true},
		{"other port refused", []string{srv.hostPort()}, "http://" + other.hostPort() + "/", false},
		{"allowed ip does not allow names", []string{"127.0.0.1"}, "http://dev.test:" + srv.port() + "/", false},
		{"allowed name does not allow ip", []string{"dev.test"}, "http://" + srv.hostPort() + "/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := newToolkit(t, Config{AllowHosts: tt.allow, Resolver: resolver, IgnoreRobots: true})
			res := call(t, tk, map[string]any{"url": tt.url})
			if res.IsError == tt.ok {
				t.Fatalf("isError=%v, want %v: %s", res.IsError, !tt.ok, text(res))
			}
			if !tt.ok {
				wantContains(t, text(res), "refused", "--allow-host")
			}
		})
	}
	if other.requests.Load() != 0 {
		t.Fatalf("the server not allowed was reached")
	}
}

func ExampleRefusedError() {
	err := checkAddr(netip.MustParseAddr("169.254.169.254"))
	fmt.Println(err)
	// Output: refused 169.254.169.254: a link-local address (cloud metadata services live here); only public internet addresses can be fetched unless the user allows the host with --allow-host HOST[:PORT]
}
