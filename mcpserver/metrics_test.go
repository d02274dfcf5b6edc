package mcpserver_test

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// scrape fetches /metrics and parses it with Prometheus's own text parser.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// sample returns the metric of family name whose labels are all of want.
func sample(families map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := families[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func counterValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	m := sample(families, name, labels)
	if m == nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

func TestMetrics_Middleware(t *testing.T) {
	const token = "metrics-token"
	m := mcpserver.NewMetrics()
	kit := newCallKit()
	live := startLive(t, newMCPServer(t, kit, m), mcpserver.HTTPOptions{Token: token, Metrics: m})
	cs := connectSDK(t, live.url("/mcp"), token, "")
	calls := map[string]int{"echo": 7, "fail": 3, "boom": 2, "panic": 1}
	for name, n := range calls {
		for range n {
			res, err := callSDK(t, cs, name)
			if wantErr := name == "boom" || name == "panic"; (err != nil) != wantErr {
				t.Fatalf("%s: err %v, want error %v", name, err, wantErr)
			}
			if name == "fail" && !res.IsError {
				t.Fatalf("fail: not an error result")
			}
		}
	}
	// One refused request, counted by reason.
	resp := post(t, http.DefaultClient, live.url("/mcp"), map[string]string{"Authorization": "Bearer wrong"})
	resp.Body.Close()

	families := scrape(t, live.url("/metrics"), token)
	tests := []struct {
		name    string
		metric  string
		labels  map[string]string
		want    float64
		counter bool
	}{
		{"echo ok", "glm_mcp_tool_calls_total", map[string]string{"tool": "echo", "outcome": "ok"}, 7, true},
		{"fail tool_error", "glm_mcp_tool_calls_total", map[string]string{"tool": "fail", "outcome": "tool_error"}, 3, true},
		{"boom error", "glm_mcp_tool_calls_total", map[string]string{"tool": "boom", "outcome": "error"}, 2, true},
		{"panic error", "glm_mcp_tool_calls_total", map[string]string{"tool": "panic", "outcome": "error"}, 1, true},
		{"echo never failed", "glm_mcp_tool_calls_total", map[string]string{"tool": "echo", "outcome": "error"}, 0, true},
		{"token refusals", "glm_mcp_http_rejected_total", map[string]string{"reason": "token"}, 1, true},
		{"nothing in flight", "glm_mcp_tool_calls_in_flight", nil, 0, false},
		{"no session on the stateless protocol", "glm_mcp_sessions", nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got float64
			if tc.counter {
				got = counterValue(families, tc.metric, tc.labels)
			} else if s := sample(families, tc.metric, tc.labels); s != nil {
				got = s.GetGauge().GetValue()
			} else {
				t.Fatalf("%s missing", tc.metric)
			}
			if got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.metric, tc.labels, got, tc.want)
			}
		})
	}
	for name, n := range calls {
		h := sample(families, "glm_mcp_tool_call_duration_seconds", map[string]string{"tool": name})
		if h == nil || h.GetHistogram().GetSampleCount() != uint64(n) {
			t.Errorf("latency histogram of %s: %v, want %d samples", name, h, n)
		}
	}
	if families["process_resident_memory_bytes"] == nil || families["go_goroutines"] == nil {
		t.Errorf("the process and Go collectors are missing")
	}
}

func TestMetrics_InFlightAndSessions(t *testing.T) {
	m := mcpserver.NewMetrics()
	kit := newCallKit()
	live := startLive(t, newMCPServer(t, kit, m), mcpserver.HTTPOptions{Metrics: m})
	gauge := func(name string) float64 {
		s := sample(scrape(t, live.url("/metrics"), ""), name, nil)
		if s == nil {
			t.Fatalf("%s missing", name)
		}
		return s.GetGauge().GetValue()
	}
	cs := connectSDK(t, live.url("/mcp"), "", "2025-11-25")
	if got := gauge("glm_mcp_sessions"); got != 1 {
		t.Errorf("sessions with one 2025-11-25 client = %v, want 1", got)
	}
	// The SDK client declares roots: the session's first call is two rounds
	// (the server asks for the roots first), and still one call.
	for range 3 {
		if _, err := callSDK(t, cs, "echo"); err != nil {
			t.Fatal(err)
		}
	}
	if got := counterValue(scrape(t, live.url("/metrics"), ""), "glm_mcp_tool_calls_total", map[string]string{"tool": "echo", "outcome": "ok"}); got != 3 {
		t.Errorf("3 calls in a session with roots counted as %v", got)
	}
	done := make(chan error, 2)
	for range 2 {
		go func() { _, err := callSDK(t, cs, "wait"); done <- err }()
	}
	<-kit.started
	<-kit.started
	if got := gauge("glm_mcp_tool_calls_in_flight"); got != 2 {
		t.Errorf("in flight with two waiting calls = %v, want 2", got)
	}
	close(kit.release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := gauge("glm_mcp_tool_calls_in_flight"); got != 0 {
		t.Errorf("in flight after the calls = %v, want 0", got)
	}
	cs.Close()
	if got := gauge("glm_mcp_sessions"); got != 0 {
		t.Errorf("sessions after the client closed = %v, want 0", got)
	}
}

func TestMetrics_RejectReasons(t *testing.T) {
	m := mcpserver.NewMetrics()
	live := startLive(t, newMCPServer(t, newCallKit(), m), mcpserver.HTTPOptions{Metrics: m, MaxBody: 100})
	reqs := []struct {
		name    string
		headers map[string]string
		host    string
	}{
		{"origin", map[string]string{"Origin": "https://evil.example"}, ""},
		{"body_too_large", nil, ""},
		{"host", nil, "evil.example"},
	}
	for _, r := range reqs {
		req, _ := http.NewRequest("POST", live.url("/mcp"), strings.NewReader(initBody))
		for k, v := range r.headers {
			req.Header.Set(k, v)
		}
		if r.host != "" {
			req.Host = r.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	families := scrape(t, live.url("/metrics"), "")
	for _, r := range reqs {
		if got := counterValue(families, "glm_mcp_http_rejected_total", map[string]string{"reason": r.name}); got != 1 {
			t.Errorf("rejected{reason=%s} = %v, want 1", r.name, got)
		}
	}
}
