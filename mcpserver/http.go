package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// EndpointPath is where the Streamable HTTP transport is served.
const EndpointPath = "/mcp"

// Defaults of HTTPOptions, chosen so that no honest client meets them.
const (
	DefaultMaxBody           = 4 << 20 // bytes of one request body
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 30 * time.Second
	maxHeaderBytes           = 64 << 10
)

// HTTPOptions configures ServeHTTP and NewHTTPHandler. Zero values take the
// defaults above.
type HTTPOptions struct {
	// Addr is the host:port to listen on; port 0 picks a free port.
	Addr string
	// Token, when set, is the bearer token every request to /mcp and
	// /metrics must carry. A non-loopback Addr requires one.
	Token string
	// MaxBody is the largest request body accepted; larger ones get 413.
	MaxBody int64
	// ReadHeaderTimeout bounds the time to read a request's headers.
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds the time to read a request's body, once its
	// headers have been accepted.
	BodyTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long calls in flight may take to finish
	// once ctx is cancelled.
	ShutdownTimeout time.Duration
	// DrainDelay, when positive, is how long the server goes on accepting
	// and serving once ctx is cancelled, with /healthz already answering
	// 503, before it closes its listener: time for a load balancer's health
	// checks to take the replica out, so that no client meets a refused
	// connection. ShutdownTimeout counts from its end.
	DrainDelay time.Duration
	// Metrics, when set, is served at /metrics (behind the token).
	Metrics *Metrics
	// Ready, when set, is called with the listening address before serving.
	Ready func(addr net.Addr)
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	return o
}

// ErrTokenRequired is returned when a non-loopback address is asked for
// without a token.
var ErrTokenRequired = errors.New("a non-loopback HTTP address requires a bearer token")

// ErrShutdownTimeout is returned when calls were still running when the
// shutdown timeout passed; their connections were closed.
var ErrShutdownTimeout = errors.New("calls still running when the shutdown timeout passed")

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

// ServeHTTP listens on opts.Addr and serves s until ctx is cancelled. Then
// it drains: /healthz answers 503, requests are still served for
// opts.DrainDelay, then the listener closes, long-lived GET streams end, and
// calls in flight get up to opts.ShutdownTimeout to finish. It returns nil
// when they all did.
func ServeHTTP(ctx context.Context, s *server.MCPServer, opts HTTPOptions, logger zerolog.Logger) error {
	opts = opts.withDefaults()
	if !IsLoopbackAddr(opts.Addr) && opts.Token == "" {
		return ErrTokenRequired
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	h := NewHTTPHandler(s, opts, logger)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(zerologWriter{logger.With().Str("component", "http").Logger()}, "", 0),
		// No ReadTimeout or WriteTimeout: they would cut SSE streams and
		// long calls. The body deadline is set per request, after auth.
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
	h.Drain()
	if opts.DrainDelay > 0 {
		logger.Info().Dur("delay", opts.DrainDelay).Msg("draining: /healthz answers 503; still serving until the load balancer notices")
		select {
		case err := <-errc:
			return fmt.Errorf("serve http: %w", err)
		case <-time.After(opts.DrainDelay):
		}
	}
	logger.Info().Dur("timeout", opts.ShutdownTimeout).Msg("draining: no new connections, waiting for calls in flight")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.ShutdownTimeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(shutdownCtx) }()
	h.finish(shutdownCtx)
	if err := <-shut; err != nil {
		_ = srv.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shut down http after %s: %w", opts.ShutdownTimeout, ErrShutdownTimeout)
		}
		return fmt.Errorf("shut down http: %w", err)
	}
	logger.Info().Msg("drained")
	return nil
}
