package mcpserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// EndpointPath is where the Streamable HTTP transport is served.
const EndpointPath = "/mcp"

// HTTPOptions configures ServeHTTP.
type HTTPOptions struct {
	// Addr is the host:port to listen on; port 0 picks a free port.
	Addr string
	// Token, when set, is the bearer token every request must carry.
	// A non-loopback Addr requires one.
	Token string
	// Ready, when set, is called with the listening address before serving.
	Ready func(addr net.Addr)
}

// ErrTokenRequired is returned when a non-loopback address is asked for without a token.
var ErrTokenRequired = errors.New("a non-loopback --http address requires a bearer token (--http-token-env)")

// IsLoopbackAddr reports whether the host of a host:port is a loopback name or address.
// An empty host (":8080") listens on every interface and so is not loopback.
func IsLoopbackAddr(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return isLoopbackHost(host)
}

func isLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Handler returns the HTTP handler serving s at EndpointPath: mcp-go's
// Streamable HTTP transport (whose DNS-rebinding check stays on), behind an
// Origin check and, when token is set, bearer authentication.
func Handler(s *server.MCPServer, token string) http.Handler {
	streamable := server.NewStreamableHTTPServer(s, server.WithEndpointPath(EndpointPath))
	mux := http.NewServeMux()
	mux.Handle(EndpointPath, checkOrigin(requireToken(token, streamable)))
	return mux
}

// ServeHTTP listens on opts.Addr and serves s until ctx is cancelled, then
// shuts down gracefully.
func ServeHTTP(ctx context.Context, s *server.MCPServer, opts HTTPOptions, logger zerolog.Logger) error {
	if !IsLoopbackAddr(opts.Addr) && opts.Token == "" {
		return ErrTokenRequired
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	srv := &http.Server{
		Handler:           Handler(s, opts.Token),
		ReadHeaderTimeout: 10 * time.Second,
	}
	logger.Info().Str("url", "http://"+ln.Addr().String()+EndpointPath).Bool("auth", opts.Token != "").Msg("serving Streamable HTTP")
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	return nil
}

// requireToken rejects requests without the bearer token. The comparison is
// constant-time so the token cannot be guessed byte by byte.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="glm-mcp"`)
			http.Error(w, "unauthorized: send Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkOrigin answers 403 to a browser request whose Origin is neither a
// loopback origin nor the server's own host, as the MCP transport spec asks
// of servers to defeat DNS rebinding. Requests without Origin (non-browser
// clients) pass.
func checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && !originAllowed(origin, r.Host) {
			http.Error(w, fmt.Sprintf("forbidden: origin %q is not allowed", origin), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func originAllowed(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return isLoopbackHost(u.Hostname()) || strings.EqualFold(u.Host, host)
}
