// Package webui renders stored transcripts as web pages, for `glm-mcp
// transcripts serve` and `export --format html`: a list of transcripts with
// full-text search, and a page per transcript with the conversation
// (reasoning folded), a timeline of its steps in which the parallel tool
// calls of a step are drawn side by side by start time and duration, and
// tokens and cost per step.
//
// Pages are complete HTML documents with their style inside: nothing is
// fetched when they are shown, they need no script (a Content-Security-Policy
// forbids scripts and every other load), and an exported page is one file
// that reads the same from disk. The server listens on loopback addresses
// only and answers only requests whose Host (and Origin, when sent) name a
// loopback host, so that another web site cannot read transcripts through
// the user's browser (DNS rebinding, cross-site requests).
package webui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
)

// ErrNotLoopback means the address to listen on is not a loopback address.
var ErrNotLoopback = errors.New("the transcript page listens on loopback addresses only")

// Reader is what the pages read from the transcript store.
type Reader interface {
	List(ctx context.Context, limit int) ([]store.Summary, error)
	Resolve(ctx context.Context, ref string) (string, error)
	Get(ctx context.Context, id string) (*store.Transcript, error)
	Search(ctx context.Context, query string, limit int) ([]store.SearchHit, error)
}

var _ Reader = (*store.Store)(nil)

// CostFunc is the price of usage with model as text for reading ("$0.0123"),
// or "" when the model's price is not known. The caller owns the price
// table and its format, so that the pages show what the terminal shows.
type CostFunc func(model string, u store.Usage) string

// Options shape the pages.
type Options struct {
	Cost        CostFunc // nil: no cost is shown
	ListLimit   int      // transcripts listed on the front page; default 200
	SearchLimit int      // search results shown; default 50
}

func (o Options) listLimit() int {
	if o.ListLimit > 0 {
		return o.ListLimit
	}
	return 200
}

func (o Options) searchLimit() int {
	if o.SearchLimit > 0 {
		return o.SearchLimit
	}
	return 50
}

// Listen listens on addr, a loopback IP address or localhost with a port
// (0 picks a free one). Any other address, the empty host included (which
// would listen on every interface), fails with ErrNotLoopback.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen on %q: %w", addr, ErrNotLoopback)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("listen on %q: %w", addr, err)
	}
	return ln, nil
}

// URL is the address to open in a browser for a listener.
func URL(ln net.Listener) string { return "http://" + ln.Addr().String() + "/" }

// Serve serves h on ln until ctx ends, then shuts down, giving requests in
// flight a few seconds before closing every connection (a browser's
// speculative connections that never send a request would otherwise hold
// the shutdown). Timeouts bound every connection, so that slow or idle
// clients cannot hold the server. Ending by ctx is not an error.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if srv.Shutdown(shutdown) != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Handler serves the pages: / (the list; ?q= searches) and /t/ID (one
// transcript; ID may be a unique prefix or "last"). It refuses requests
// that do not come from a page of its own host (see guard).
func Handler(r Reader, opt Options) http.Handler {
	p := &pages{r: r, opt: opt}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.list)
	mux.HandleFunc("GET /t/{id}", p.transcript)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, req *http.Request) {
		p.error(w, http.StatusNotFound, "There is no page here.")
	})
	return guard(mux)
}

// guard refuses a request whose Host is not a loopback name (a DNS name an
// attacker points at 127.0.0.1 says so in Host), whose Origin is not this
// very host (another site's script), or that a browser marks as
// cross-site; and it allows reading only.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header())
		switch {
		case !loopbackHost(r.Host):
			http.Error(w, "forbidden: this server answers only to a loopback host name", http.StatusForbidden)
		case !sameOrigin(r):
			http.Error(w, "forbidden: cross-origin request", http.StatusForbidden)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "only GET and HEAD", http.StatusMethodNotAllowed)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// loopbackHost reports whether a Host header names localhost or a loopback IP.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether the request's Origin, if any, is this host,
// and the browser does not call it cross-site.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	return origin == "" || strings.EqualFold(origin, "http://"+r.Host)
}

// csp forbids scripts, frames and every load but the page itself; the
// style is inline.
const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

func setHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}
