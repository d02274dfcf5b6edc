package glm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrorKind sorts failures by what the user can do about them.
type ErrorKind int

// Error kinds.
const (
	KindUnknown        ErrorKind = iota
	KindAuth                     // bad or missing key: set the key variable
	KindQuota                    // balance, plan or quota window exhausted: not retried
	KindRateLimit                // rate or concurrency limit: retried with backoff
	KindInvalidRequest           // parameters or messages refused
	KindContentFilter            // unsafe content refused or cut
	KindContextTooLong           // prompt or conversation exceeds the context window
	KindServer                   // provider-side failure: retried
	KindLength                   // the answer hit the token limit
	KindAccount                  // account inactive, locked or missing, or without access: not retried
	KindConflict                 // 409, or a request_id already in use (1231)
)

var kindNames = [...]string{"unknown", "auth", "quota", "rate limit", "invalid request",
	"content filter", "context too long", "server", "length", "account", "conflict"}

// String names the kind for messages and logs.
func (k ErrorKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// APIError is an error answer from the endpoint, from the HTTP status and body or from an
// {"error":…} frame inside a stream. It never contains the API key.
type APIError struct {
	// Status is the HTTP status (200 for an in-stream error frame).
	Status int
	// Code is the provider's code ("1302"), or "" if none was given.
	Code    string
	Message string
	// RequestID is the provider's id for the request (body or x-log-id header).
	RequestID string
	Kind      ErrorKind
	// Retryable is true when the same request may succeed later (GLM-API.md's table).
	Retryable bool
	// RetryAfter is the wait the server asked for in Retry-After, or 0.
	RetryAfter time.Duration
	// Hint tells the user what to do, e.g. which variable holds the key.
	Hint string
}

// Error says what failed, the status and code, the provider's message, what to do, and the
// request id to quote to support.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("glm: ")
	b.WriteString(kindSummary[e.Kind])
	b.WriteString(" (")
	switch e.Status {
	case 0:
	case http.StatusOK:
		b.WriteString("in stream")
	default:
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.Code != "" {
		if e.Status != 0 {
			b.WriteString(", ")
		}
		b.WriteString("code " + e.Code)
	}
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	if e.RetryAfter > 0 && e.Retryable {
		b.WriteString("; retry after " + e.RetryAfter.String())
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

var kindSummary = map[ErrorKind]string{
	KindUnknown:        "request failed",
	KindAuth:           "authentication failed",
	KindQuota:          "quota or balance exhausted",
	KindRateLimit:      "rate limited",
	KindInvalidRequest: "invalid request",
	KindContentFilter:  "content refused by the provider's filter",
	KindContextTooLong: "prompt too long",
	KindServer:         "server error",
	KindLength:         "token limit reached",
	KindAccount:        "account problem",
	KindConflict:       "conflict",
}

// codeKinds maps GLM's business codes to kinds (GLM-API.md's error table).
func codeKind(code string) (ErrorKind, bool) {
	n, err := strconv.Atoi(code)
	if err != nil {
		return KindUnknown, false
	}
	switch {
	case n >= 1000 && n <= 1005:
		return KindAuth, true
	case n == 1113, n == 1304:
		return KindQuota, true
	case n >= 1110 && n <= 1112, n == 1120, n == 1121, n == 1220:
		return KindAccount, true
	case n == 1231:
		return KindConflict, true
	case n >= 1210 && n <= 1215, n == 1221, n == 1222:
		return KindInvalidRequest, true
	case n == 1261:
		return KindContextTooLong, true
	case n == 1301:
		return KindContentFilter, true
	case n == 1302, n == 1303, n == 1305, n == 1312:
		return KindRateLimit, true
	case n >= 1308 && n <= 1311, n >= 1313 && n <= 1321:
		return KindQuota, true
	case n == 1200, n == 1230, n == 1234:
		return KindServer, true
	}
	return KindUnknown, false
}

func statusKind(status int) ErrorKind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindAuth
	case status == http.StatusPaymentRequired:
		return KindQuota
	case status == http.StatusTooManyRequests:
		return KindRateLimit
	case status == http.StatusRequestEntityTooLarge:
		return KindContextTooLong
	case status == http.StatusRequestTimeout || status >= 500:
		return KindServer
	case status == http.StatusConflict:
		return KindConflict
	case status >= 400:
		return KindInvalidRequest
	}
	return KindUnknown
}

// quotaWords mark a 429 without a known code as exhausted rather than momentary (the
// aggregator's "free limit for the hour … Subscription").
var quotaWords = []string{"balance", "quota", "billing", "subscription", "recharge", "insufficient"}

func classify(status int, code, msg string) ErrorKind {
	if k, ok := codeKind(code); ok {
		return k
	}
	// OpenAI-style gateways use words for codes.
	switch lc := strings.ToLower(code); {
	case strings.Contains(lc, "context_length"):
		return KindContextTooLong
	case strings.Contains(lc, "insufficient_quota"):
		return KindQuota
	case strings.Contains(lc, "rate_limit"):
		return KindRateLimit
	case strings.Contains(lc, "invalid_api_key"):
		return KindAuth
	}
	k := statusKind(status)
	lower := strings.ToLower(msg)
	if k == KindRateLimit {
		for _, w := range quotaWords {
			if strings.Contains(lower, w) {
				return KindQuota
			}
		}
	}
	if k == KindInvalidRequest && (strings.Contains(lower, "context") && strings.Contains(lower, "length") ||
		strings.Contains(lower, "too long")) {
		return KindContextTooLong
	}
	return k
}

// errorBody covers the shapes seen: {"error":{"code":"1214"|400,"message":…}}, {"error":"…"},
// and the aggregator's flat {message, path, requestId, statusCode}.
type errorBody struct {
	Error      json.RawMessage `json:"error"`
	Message    string          `json:"message"`
	RequestID  string          `json:"requestId"`
	RequestID2 string          `json:"request_id"`
	StatusCode json.RawMessage `json:"statusCode"`
	Code       json.RawMessage `json:"code"`
}

type errorObject struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Type    string          `json:"type"`
}

// rawCode turns a string, number or null code into text.
func rawCode(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// parseAPIError builds the error for a non-2xx answer. The body may be any of the JSON shapes
// above, or HTML or text from a proxy. key is redacted should the server echo it.
func parseAPIError(status int, h http.Header, body []byte, p Profile, key string) *APIError {
	e := &APIError{Status: status}
	e.Code, e.Message, e.RequestID = decodeErrorBody(body)
	if e.Code == strconv.Itoa(status) {
		e.Code = "" // a gateway repeating the HTTP status is not a provider code
	}
	if e.RequestID == "" && h != nil {
		e.RequestID = firstHeader(h, "X-Log-Id", "X-Request-Id", "Request-Id")
	}
	if h != nil {
		e.RetryAfter = parseRetryAfter(h, time.Now())
	}
	finishAPIError(e, p, key)
	// The server's own word wins, as in OpenAI's SDKs.
	switch strings.ToLower(strings.TrimSpace(h.Get("X-Should-Retry"))) {
	case "true":
		e.Retryable = true
	case "false":
		e.Retryable = false
	}
	return e
}

// finishAPIError fills kind, retryability and hint, and scrubs the key.
func finishAPIError(e *APIError, p Profile, key string) {
	e.Kind = classify(e.Status, e.Code, e.Message)
	e.Retryable = (e.Kind == KindRateLimit || e.Kind == KindServer || e.Kind == KindConflict) &&
		e.Code != "1231" // the same request_id stays taken
	e.Hint = hint(e, p)
	e.Message = redact(e.Message, key)
	e.RequestID = redact(e.RequestID, key)
}

// hint says what the user can do; it names providers and variables, never command-line flags.
func hint(e *APIError, p Profile) string {
	switch {
	case e.Kind == KindAuth && p.KeyEnv != "":
		return "set " + p.KeyEnv + " to a valid key for provider " + p.Name
	case e.Code == "1113" && p.Name == "zai":
		return "the account has no balance or resource package for the general API; a GLM Coding Plan key " +
			"works only with the zai-coding provider; retrying will not help"
	case e.Code == "1113" && p.Name == "zai-coding":
		return "the key has no active GLM Coding Plan; a pay-as-you-go key works with the zai provider " +
			"instead; retrying will not help"
	case e.Code == "1304":
		return "the daily call limit is reached; retrying today will not help"
	case e.Kind == KindQuota:
		return "check the plan or balance of the account; retrying will not help"
	case e.Code == "1220":
		return "the account may not use this model or API; choose another model or check the account's permissions"
	case e.Code == "1120":
		return "the provider cannot reach the account right now; try again later"
	case e.Kind == KindAccount:
		return "the account is inactive, locked or missing; check it on the provider's site; retrying will not help"
	case e.Code == "1231":
		return "a request with the same request_id is already running; send it with a new request_id"
	case e.Kind == KindContextTooLong:
		return "shorten the conversation or the tool outputs"
	}
	return ""
}

func decodeErrorBody(body []byte) (code, msg, reqID string) {
	trimmed := bytes.TrimSpace(body)
	var b errorBody
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &b) == nil {
		reqID = b.RequestID
		if reqID == "" {
			reqID = b.RequestID2
		}
		var obj errorObject
		var s string
		switch {
		case len(b.Error) > 0 && json.Unmarshal(b.Error, &obj) == nil && (obj.Message != "" || len(obj.Code) > 0):
			code, msg = rawCode(obj.Code), obj.Message
			if msg == "" {
				msg = obj.Type
			}
		case len(b.Error) > 0 && json.Unmarshal(b.Error, &s) == nil:
			msg = s
		default:
			code, msg = rawCode(b.Code), b.Message
		}
		return code, limitText(msg), reqID
	}
	return "", textOf(trimmed), ""
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// textOf gives a short readable message for a non-JSON body: an HTML page's title, or the
// start of its text.
func textOf(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	if m := titleRE.FindSubmatch(body); m != nil {
		if t := strings.TrimSpace(html.UnescapeString(string(m[1]))); t != "" {
			return "non-JSON response: " + limitText(t)
		}
	}
	t := strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(string(tagRE.ReplaceAll(body, []byte(" ")))), " "))
	return "non-JSON response: " + limitText(t)
}

const maxMessage = 500

func limitText(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func redact(s, key string) string {
	if key == "" || s == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// parseRetryAfter reads Retry-After (seconds or an HTTP date) or retry-after-ms.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 || s > 1e6 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// StreamError reports a stream that broke after output had been received: the connection was
// cut before [DONE], the context was cancelled, or an error frame arrived. Partial holds what
// was received; such a failure is never retried because the output was already delivered.
type StreamError struct {
	Partial *Response
	Err     error
}

// Error says how much output had arrived before the break, and why it broke.
func (e *StreamError) Error() string {
	var content, reasoning, calls int
	if e.Partial != nil {
		for _, c := range e.Partial.Choices {
			content += len(c.Message.Content)
			reasoning += len(c.Message.ReasoningContent)
			calls += len(c.Message.ToolCalls)
		}
	}
	return fmt.Sprintf("glm: stream broken after partial output was received (%d bytes of content, %d of reasoning, %d tool calls): %v",
		content, reasoning, calls, e.Err)
}

// Unwrap returns the cause: an *APIError, a read error or the context's error.
func (e *StreamError) Unwrap() error { return e.Err }

// errorFrame builds the error of an "event: error" frame: its data may be GLM's error body, a
// flat {code, message} object or plain text.
func errorFrame(data []byte) *APIError {
	e := &APIError{Status: http.StatusOK}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		e.Code, e.Message, e.RequestID = decodeErrorBody(trimmed)
	} else {
		e.Message = limitText(string(trimmed))
	}
	if e.Message == "" {
		e.Message = "an error occurred during streaming" // the official SDK's words
	}
	return e
}

// IsContextExceeded reports whether err says the conversation does not fit the model's context
// window: error 1261 (prompt too long) or another context-length refusal, or an answer cut with
// finish_reason FinishContextWindowExceeded (see Response.Err). The loop can then shorten the
// conversation and ask again.
func IsContextExceeded(err error) bool {
	var api *APIError
	if errors.As(err, &api) {
		return api.Kind == KindContextTooLong
	}
	var fe *FinishError
	return errors.As(err, &fe) && fe.Reason == FinishContextWindowExceeded
}
