package glm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// ErrNoAPIKey is returned by NewClient when the profile needs a key and none was given.
var ErrNoAPIKey = errors.New("glm: no API key")

// ErrCrossOriginRedirect is returned when the endpoint redirects to another origin (scheme,
// host or port). The redirect is not followed, so the API key never leaves the endpoint's own
// origin.
var ErrCrossOriginRedirect = errors.New("glm: the endpoint redirected to another origin; not followed, so the API key is not sent there")

// maxRedirects bounds the redirects followed within the endpoint's origin.
const maxRedirects = 5

// maxBody bounds a non-streaming answer; maxErrorBody bounds what is read of an error answer.
const (
	maxBody      = 32 << 20
	maxErrorBody = 64 << 10
)

// Config configures a Client. Only the key is required (and not even that for the
// openai-compatible profile).
type Config struct {
	// Profile is the endpoint; the zero value means the zai profile.
	Profile Profile
	// BaseURL overrides the profile's URL and keeps its capabilities.
	BaseURL string
	// Model overrides the profile's default model id.
	Model string
	// APIKey is sent as "Authorization: Bearer KEY" and nowhere else.
	APIKey string
	// HTTPClient defaults to a client without an overall timeout: streams can run for minutes
	// and the context bounds each call.
	HTTPClient *http.Client
	// MaxAttempts bounds the HTTP requests per call, retries included (default 4; 1 means no
	// retry).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the jittered exponential backoff (defaults 1 s, 30 s).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// Backoff, if set, replaces the exponential backoff: it returns the wait before retry n
	// (1-based). Retry-After still takes precedence.
	Backoff func(retry int) time.Duration
	// MaxRetryAfter is the longest Retry-After that is waited for (default 2 min); a longer
	// one ends the call with the error, whose RetryAfter says how long to wait.
	MaxRetryAfter time.Duration
	// Logger receives debug lines per attempt and warnings per retry (default: none).
	Logger zerolog.Logger
	// OnRetry, if set, is told of each retry before its wait, and the retry is
	// logged at debug level instead of as a warning: a person watching a
	// terminal reads one line of it there rather than a log record.
	OnRetry func(Retry)
	// UserAgent is sent as User-Agent (default "glm-mcp").
	UserAgent string
}

// Retry describes a failed attempt that will be retried after Wait.
type Retry struct {
	Attempt     int // the attempt that failed, from 1
	MaxAttempts int // the attempts a call may make in all
	Wait        time.Duration
	Err         error
}

// Client talks to one chat-completions endpoint. It is safe for concurrent use.
type Client struct {
	profile       Profile
	url           string
	model         string
	key           string
	hc            *http.Client
	maxAttempts   int
	backoff       func(int) time.Duration
	maxRetryAfter time.Duration
	log           zerolog.Logger
	onRetry       func(Retry)
	ua            string
	sleep         func(context.Context, time.Duration) error
}

// NewClient checks cfg and returns a client for it.
func NewClient(cfg Config) (*Client, error) {
	p := cfg.Profile
	if p.Name == "" {
		p, _ = LookupProfile(DefaultProfile)
	}
	base := cfg.BaseURL
	if base == "" {
		base = p.BaseURL
	}
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("glm: provider %s needs a base URL of the form https://host/path, got %q", p.Name, base)
	}
	key := strings.TrimSpace(cfg.APIKey)
	if key == "" && !p.KeyOptional {
		return nil, fmt.Errorf("%w for provider %s: set %s", ErrNoAPIKey, p.Name, p.KeyEnv)
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("glm: the API key for provider %s contains spaces or control characters", p.Name)
	}
	c := &Client{
		profile:       p,
		url:           strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/chat/completions") + "/chat/completions",
		model:         cmp(cfg.Model, p.Model),
		key:           key,
		hc:            cfg.HTTPClient,
		maxAttempts:   cfg.MaxAttempts,
		onRetry:       cfg.OnRetry,
		backoff:       cfg.Backoff,
		maxRetryAfter: cfg.MaxRetryAfter,
		log:           cfg.Logger,
		ua:            cmp(cfg.UserAgent, "glm-mcp"),
		sleep:         sleepCtx,
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	c.hc = sameOriginOnly(c.hc, u)
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.backoff == nil {
		c.backoff = jittered(cmp(cfg.BackoffBase, DefaultBackoffBase), cmp(cfg.BackoffMax, DefaultBackoffMax))
	}
	if c.maxRetryAfter <= 0 {
		c.maxRetryAfter = DefaultMaxRetryAfter
	}
	return c, nil
}

// cmp returns the first non-zero value.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Profile returns the client's profile (with the default model, not the override).
func (c *Client) Profile() Profile { return c.profile }

// Model returns the model id used when a request names none.
func (c *Client) Model() string { return c.model }

// Encode returns the body Complete would send for req: defaults filled in, checked with
// Request.Validate and Profile.Check. It is what a transcript records even when the call fails.
func (c *Client) Encode(req Request) ([]byte, error) {
	if req.Model == "" {
		req.Model = c.model
	}
	if req.Stream && c.profile.StreamUsage && req.StreamOptions == nil {
		req.StreamOptions = &StreamOptions{IncludeUsage: true}
	}
	if !req.Stream && req.StreamOptions != nil {
		return nil, &ParamError{Param: "stream_options", Msg: "needs stream: true"}
	}
	if err := errors.Join(req.Validate(), c.profile.Check(&req)); err != nil {
		return nil, err
	}
	req.Messages = sanitizeEcho(req.Messages)
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("glm: encode request: %w", err)
	}
	return body, nil
}

// Complete sends req and returns the answer, streamed (req.Stream) or not, in one Response.
// onEvent, if not nil, receives reasoning, content and tool-call deltas as they arrive and the
// usage once; a non-streamed answer is reported through the same events when it is complete.
//
// Rate limits, server errors and connections lost before any output are retried with jittered
// exponential backoff (or the server's Retry-After), up to Config.MaxAttempts; nothing is
// retried once output has been delivered. Errors: *ParamError before sending, *APIError from
// the endpoint, *StreamError (with the partial Response, which is also returned) for a stream
// broken after output, and the context's error on cancellation. An answer that ended for a
// reason other than stop or tool_calls is not an error here: see Response.Err.
func (c *Client) Complete(ctx context.Context, req Request, onEvent func(Event)) (*Response, error) {
	body, err := c.Encode(req)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, body, req.Stream, onEvent)
		if resp != nil {
			resp.Exchange.Attempts = attempt
		}
		if err == nil {
			return resp, nil
		}
		var se *StreamError
		if errors.As(err, &se) || !retryable(err) || attempt >= c.maxAttempts || ctx.Err() != nil {
			return resp, err
		}
		wait, ok := c.delay(attempt, err)
		if !ok {
			return nil, err
		}
		ev := c.log.Warn()
		if c.onRetry != nil {
			c.onRetry(Retry{Attempt: attempt, MaxAttempts: c.maxAttempts, Wait: wait, Err: err})
			ev = c.log.Debug()
		}
		ev.Err(err).Str("provider", c.profile.Name).Int("attempt", attempt).
			Str("wait", wait.Round(time.Millisecond).String()).Int64("wait_ms", wait.Milliseconds()).
			Msg("glm: retrying")
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("glm: %w while waiting to retry after: %w", serr, err)
		}
	}
}

// attempt makes one HTTP request. The Response it returns with an error is a partial stream.
func (c *Client) attempt(ctx context.Context, body []byte, stream bool, onEvent func(Event)) (*Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("glm: build request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("User-Agent", c.ua)
	if stream {
		hreq.Header.Set("Accept", "text/event-stream")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}
	if c.key != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.key)
	}
	start := time.Now()
	hres, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("glm: send request: %w", ctx.Err())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is known; keep the cause
		}
		if errors.Is(err, ErrCrossOriginRedirect) {
			return nil, err
		}
		return nil, &transportError{err: err}
	}
	defer hres.Body.Close()
	ex := Exchange{RequestBody: body, Status: hres.StatusCode}
	var resp *Response
	switch {
	case hres.StatusCode < 200 || hres.StatusCode > 299:
		b, _ := io.ReadAll(io.LimitReader(hres.Body, maxErrorBody))
		err = parseAPIError(hres.StatusCode, hres.Header, b, c.profile, c.key)
	case stream && !strings.Contains(hres.Header.Get("Content-Type"), "application/json"):
		ex.Streamed = true
		resp, err = c.readStream(ctx, hres, onEvent)
	default:
		resp, err = c.readJSON(hres, onEvent)
	}
	ex.Latency = time.Since(start)
	if resp != nil {
		ex.ResponseBody = resp.Exchange.ResponseBody
		resp.Exchange = ex
	}
	c.log.Debug().Str("provider", c.profile.Name).Int("status", hres.StatusCode).
		Str("log_id", c.logID(hres.Header)).Bool("stream", ex.Streamed).
		Str("dur", ex.Latency.Round(time.Millisecond).String()).Int64("dur_ms", ex.Latency.Milliseconds()).
		Bool("ok", err == nil).Msg("glm: completion attempt")
	return resp, err
}

// readJSON reads a non-streaming answer. A body cut short is a connection failure (retryable:
// nothing has been delivered yet).
func (c *Client) readJSON(hres *http.Response, onEvent func(Event)) (*Response, error) {
	b, err := io.ReadAll(io.LimitReader(hres.Body, maxBody+1))
	if err != nil {
		return nil, &transportError{err: err}
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("glm: response body exceeds %d bytes", maxBody)
	}
	resp, apiErr, err := decodeResponse(b)
	if err != nil {
		return nil, err
	}
	if apiErr != nil {
		if apiErr.RequestID == "" {
			apiErr.RequestID = c.logID(hres.Header)
		}
		finishAPIError(apiErr, c.profile, c.key)
		return nil, apiErr
	}
	c.setLogID(resp, hres.Header)
	resp.Exchange.ResponseBody = b
	emitResponse(resp, onEvent)
	return resp, nil
}

// readStream assembles an event stream and decides what a failure means: after output it is a
// *StreamError carrying the partial answer; before output, an error frame is an *APIError and
// a cut connection a retryable connection failure.
func (c *Client) readStream(ctx context.Context, hres *http.Response, onEvent func(Event)) (*Response, error) {
	a, err := readStream(hres.Body, onEvent)
	resp := a.Response()
	c.setLogID(resp, hres.Header)
	resp.Exchange.ResponseBody, _ = json.Marshal(resp)
	if err == nil {
		return resp, nil
	}
	var api *APIError
	if errors.As(err, &api) {
		if api.RequestID == "" {
			api.RequestID = c.logID(hres.Header)
		}
		finishAPIError(api, c.profile, c.key)
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("glm: read stream: %w", ctx.Err())
	} else if errors.Is(err, ErrIncompleteStream) {
		err = &transportError{err: err}
	}
	if a.Output() {
		return resp, &StreamError{Partial: resp, Err: err}
	}
	return nil, err
}

// setLogID records the x-log-id header, which equals request_id; streams carry no request_id, so
// the header stands in for it.
func (c *Client) setLogID(resp *Response, h http.Header) {
	resp.LogID = c.logID(h)
	if resp.RequestID == "" {
		resp.RequestID = resp.LogID
	}
}

// logID returns the x-log-id header, scrubbed of the key should a proxy echo it there.
func (c *Client) logID(h http.Header) string { return redact(h.Get("X-Log-Id"), c.key) }

// sameOriginOnly returns a copy of hc that follows redirects only within base's origin (scheme,
// host and port), where the Authorization header may go; the caller's client is not changed.
// Go's own policy keeps the header for another port of the same host, so it is not enough.
func sameOriginOnly(hc *http.Client, base *url.URL) *http.Client {
	cp := *hc
	next := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, base) {
			return fmt.Errorf("%w (%s)", ErrCrossOriginRedirect, originOf(req.URL))
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("glm: stopped after %d redirects", maxRedirects)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cp
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// originOf is scheme://host:port, without the path, query or any user info.
func originOf(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + u.Hostname() + ":" + port(u)
}
