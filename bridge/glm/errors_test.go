package glm

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseAPIError(t *testing.T) {
	zai, _ := LookupProfile("zai")
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		wantKind  ErrorKind
		wantCode  string
		wantRetry bool
		wantText  string
	}{
		{"quota window code", 429, nil, `{"error":{"code":"1310","message":"Weekly limit reached, resets at 2026-01-05 00:00"}}`, KindQuota, "1310", false, "resets at"},
		{"concurrency code", 429, nil, `{"error":{"code":"1305","message":"Too many concurrent requests"}}`, KindRateLimit, "1305", true, "rate limited (429, code 1305)"},
		{"server code under 500", 500, nil, `{"error":{"code":"1230","message":"busy"}}`, KindServer, "1230", true, "server error"},
		{"error as a plain string", 503, nil, `{"error":"upstream overloaded"}`, KindServer, "", true, "upstream overloaded"},
		{"OpenAI-style context length", 400, nil, `{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}`, KindContextTooLong, "context_length_exceeded", false, "maximum context length"},
		{"OpenAI-style type only", 400, nil, `{"error":{"type":"invalid_request_error","code":null}}`, KindInvalidRequest, "", false, "invalid_request_error"},
		{"408 timeout", 408, nil, ``, KindServer, "", true, "server error (408)"},
		{"403 forbidden", 403, nil, `forbidden`, KindAuth, "", false, "set ZAI_API_KEY"},
		{"Retry-After shown", 429, map[string]string{"Retry-After": "30"}, `{"error":{"code":"1302","message":"slow down"}}`, KindRateLimit, "1302", true, "retry after 30s"},
		{"request id from the header", 400, map[string]string{"X-Request-Id": "req-9"}, `{"error":{"code":"1214","message":"bad"}}`, KindInvalidRequest, "1214", false, "[request req-9]"},
		{"long body is cut", 500, nil, strings.Repeat("é", 1000), KindServer, "", true, "…"},
		{"key echoed by a proxy", 401, nil, `{"message":"invalid key ` + testKey + `"}`, KindAuth, "", false, "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			e := parseAPIError(tt.status, h, []byte(tt.body), zai, testKey)
			if e.Kind != tt.wantKind || e.Code != tt.wantCode || e.Retryable != tt.wantRetry || !strings.Contains(e.Error(), tt.wantText) {
				t.Errorf("got %+v\nError() = %q\nwant kind %v code %q retryable %v text %q", *e, e.Error(), tt.wantKind, tt.wantCode, tt.wantRetry, tt.wantText)
			}
			if strings.Contains(e.Error(), testKey) || len(e.Message) > maxMessage+len("…")+len("non-JSON response: ") {
				t.Errorf("Error() leaks the key or is too long: %d bytes", len(e.Message))
			}
		})
	}
}

func TestFinishError_Error(t *testing.T) {
	tests := []struct {
		name   string
		reason FinishReason
		kind   ErrorKind
		text   string
	}{
		{"sensitive", FinishSensitive, KindContentFilter, "content filter"},
		{"network_error", FinishNetworkError, KindServer, "try again"},
		{"length", FinishLength, KindLength, "max_tokens"},
		{"context window", FinishContextWindowExceeded, KindContextTooLong, "context window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Choice{FinishReason: tt.reason}
			err := c.Err()
			fe, ok := err.(*FinishError)
			if !ok || fe.Kind() != tt.kind || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
	for _, r := range []FinishReason{FinishStop, FinishToolCalls, ""} {
		if err := (Choice{FinishReason: r}).Err(); err != nil {
			t.Errorf("%q: Err() = %v, want nil", r, err)
		}
	}
}

func TestErrorKind_String(t *testing.T) {
	if KindRateLimit.String() != "rate limit" || ErrorKind(99).String() != "unknown" {
		t.Errorf("String() = %q, %q", KindRateLimit, ErrorKind(99))
	}
}
