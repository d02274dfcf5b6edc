package mcpserver

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// HTTPHandler serves the MCP endpoint, /healthz and /metrics. Every request
// is judged from its headers alone (Host, Origin, token, declared length)
// before any of its body is read, so a client that trickles or never
// finishes a body it was refused cannot hold a connection.
type HTTPHandler struct {
	mcp     http.Handler
	metrics *Metrics
	promh   http.Handler // metrics.Handler(), when metrics is set
	drain   *drainState  // healthz answers 503 once started
	streams *drainState  // GET streams end once started
	posts   atomic.Int64 // POST requests in progress
	token   []byte       // "Bearer <token>", or nil when none is required
	maxBody int64
	bodyTTL time.Duration
}

// NewHTTPHandler returns the handler ServeHTTP serves; opts.Addr and
// opts.Ready are not used. The transport's own messages go to logger,
// at warn and above unless logger is at debug.
func NewHTTPHandler(s *server.MCPServer, opts HTTPOptions, logger zerolog.Logger) *HTTPHandler {
	opts = opts.withDefaults()
	transportLog := logger.With().Str("component", "mcp-http").Logger()
	if transportLog.GetLevel() > zerolog.DebugLevel {
		transportLog = transportLog.Level(max(transportLog.GetLevel(), zerolog.WarnLevel))
	}
	h := &HTTPHandler{
		mcp: server.NewStreamableHTTPServer(s, server.WithEndpointPath(EndpointPath),
			server.WithStreamableHTTPLogger(slog.New(zerolog.NewSlogHandler(transportLog)))),
		metrics: opts.Metrics,
		drain:   newDrainState(),
		streams: newDrainState(),
		maxBody: opts.MaxBody,
		bodyTTL: opts.BodyTimeout,
	}
	if opts.Metrics != nil {
		h.promh = opts.Metrics.Handler()
	}
	if opts.Token != "" {
		h.token = []byte("Bearer " + opts.Token)
	}
	return h
}

// Drain makes /healthz answer 503, so that a load balancer sends no more
// work here.
func (h *HTTPHandler) Drain() { h.drain.start() }

// finish waits until no POST is in progress (or ctx ends), then ends the
// long-lived GET streams of sessions, which would otherwise hold a graceful
// shutdown forever. The streams end last because an SDK client may fail a
// session's calls in flight when its stream breaks.
func (h *HTTPHandler) finish(ctx context.Context) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for h.posts.Load() > 0 {
		select {
		case <-ctx.Done():
			h.streams.start()
			return
		case <-tick.C:
		}
	}
	h.streams.start()
}

// ServeHTTP routes a request after the checks every path shares.
func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.allowedHost(w, r) || !h.allowedOrigin(w, r) {
		return
	}
	if r.ContentLength != 0 && (r.Method != http.MethodPost || r.URL.Path != EndpointPath) {
		// net/http would wait for such a body to drain it after the reply.
		refuse(w, http.StatusBadRequest, "bad request: only POST "+EndpointPath+" takes a body")
		return
	}
	switch r.URL.Path {
	case HealthPath:
		h.drain.serveHealth(w, r)
	case MetricsPath:
		if h.promh == nil {
			refuse(w, http.StatusNotFound, "not found: metrics are off")
			return
		}
		if h.authorized(w, r) {
			h.promh.ServeHTTP(w, r)
		}
	case EndpointPath:
		if h.authorized(w, r) {
			h.serveMCP(w, r)
		}
	default:
		refuse(w, http.StatusNotFound, "not found: the MCP endpoint is "+EndpointPath)
	}
}

// serveMCP reads a POST body under the size cap and the body deadline, then
// hands the request to mcp-go's transport. GET streams end when draining.
func (h *HTTPHandler) serveMCP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		h.posts.Add(1)
		defer h.posts.Add(-1)
		body, ok := h.readBody(w, r)
		if !ok {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	case http.MethodGet:
		ctx, cancel := h.streams.until(r.Context())
		defer cancel()
		r = r.WithContext(ctx)
	}
	h.mcp.ServeHTTP(unescapingWriter{w}, r)
}

// readBody reads the whole body or answers 413 (too big) or 408 (too slow).
func (h *HTTPHandler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.ContentLength > h.maxBody {
		h.metrics.reject(RejectBodyTooBig)
		refuse(w, http.StatusRequestEntityTooLarge, h.tooBig())
		return nil, false
	}
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (httptest's recorder does
	// not); the size cap still holds without one.
	_ = rc.SetReadDeadline(time.Now().Add(h.bodyTTL))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	_ = rc.SetReadDeadline(time.Time{})
	if err == nil {
		return body, true
	}
	var tooBig *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooBig):
		h.metrics.reject(RejectBodyTooBig)
		refuse(w, http.StatusRequestEntityTooLarge, h.tooBig())
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		h.metrics.reject(RejectBodyTimeout)
		refuse(w, http.StatusRequestTimeout, fmt.Sprintf("request timeout: the body was not received within %s", h.bodyTTL))
	default:
		refuse(w, http.StatusBadRequest, "bad request: cannot read the body")
	}
	return nil, false
}

func (h *HTTPHandler) tooBig() string {
	return fmt.Sprintf("request body too large: the limit is %d bytes", h.maxBody)
}

// authorized answers 401 unless the request carries the bearer token. The
// comparison is constant-time so the token cannot be guessed byte by byte.
func (h *HTTPHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	if h.token == nil || subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), h.token) == 1 {
		return true
	}
	h.metrics.reject(RejectToken)
	w.Header().Set("WWW-Authenticate", `Bearer realm="glm-mcp"`)
	refuse(w, http.StatusUnauthorized, "unauthorized: send Authorization: Bearer <token>")
	return false
}

// allowedHost defeats DNS rebinding: a request that reached a loopback
// address must name a loopback host, as mcp-go checks for /mcp; here it
// covers /healthz and /metrics too.
func (h *HTTPHandler) allowedHost(w http.ResponseWriter, r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || local == nil || !IsLoopbackAddr(local.String()) || IsLoopbackAddr(r.Host) {
		return true
	}
	h.metrics.reject(RejectHost)
	refuse(w, http.StatusForbidden, fmt.Sprintf("forbidden: host %q is not allowed", r.Host))
	return false
}

// allowedOrigin answers 403 to a browser request whose Origin is neither a
// loopback origin nor the server's own host, as the MCP transport spec asks
// of servers. Requests without Origin (non-browser clients) pass.
func (h *HTTPHandler) allowedOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || originAllowed(origin, r.Host) {
		return true
	}
	h.metrics.reject(RejectOrigin)
	refuse(w, http.StatusForbidden, fmt.Sprintf("forbidden: origin %q is not allowed", origin))
	return false
}

func originAllowed(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return isLoopbackHost(u.Hostname()) || strings.EqualFold(u.Host, host)
}

// refuse answers an error and closes the connection. Whatever body the
// client still has to send is never read: net/http would otherwise try to
// drain up to 256 KB of it after the reply, waiting on a client that
// trickles, so the read deadline is moved to now.
func refuse(w http.ResponseWriter, code int, msg string) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
	w.Header().Set("Connection", "close")
	http.Error(w, msg, code)
}
