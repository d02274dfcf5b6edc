package mcpserver

import (
	"context"
	"net/http"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a tool call, the values of the outcome label.
const (
	OutcomeOK        = "ok"         // a result the model can use
	OutcomeToolError = "tool_error" // a result with isError: the model can fix its call
	OutcomeError     = "error"      // a fault: a JSON-RPC error reached the client
	OutcomeCancelled = "cancelled"  // the client cancelled or the call's deadline passed
)

// Reasons an HTTP request was refused before it reached the MCP transport,
// the values of the reason label of glm_mcp_http_rejected_total.
const (
	RejectHost        = "host"
	RejectOrigin      = "origin"
	RejectToken       = "token"
	RejectBodyTooBig  = "body_too_large"
	RejectBodyTimeout = "body_timeout"
)

// Metrics counts tool calls, sessions and refused HTTP requests for
// Prometheus. It has its own registry, so several servers (or tests) in one
// process do not share counters.
type Metrics struct {
	reg      *prometheus.Registry
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	sessions prometheus.Gauge
	rejected *prometheus.CounterVec
}

// NewMetrics returns metrics registered on a fresh registry, together with
// the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "glm_mcp_tool_calls_total",
			Help: "Tool calls finished, by tool and outcome (ok, tool_error, error, cancelled).",
		}, []string{"tool", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "glm_mcp_tool_call_duration_seconds",
			Help:    "Time from the start of a tool call to its result, by tool.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9), // 1 ms to 65 s
		}, []string{"tool"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "glm_mcp_tool_calls_in_flight",
			Help: "Tool calls running now.",
		}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "glm_mcp_sessions",
			Help: "Open MCP sessions (protocol versions before 2026-07-28; the stateless protocol has none).",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "glm_mcp_http_rejected_total",
			Help: "HTTP requests refused before reaching the MCP transport, by reason.",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.calls, m.duration, m.inFlight, m.sessions, m.rejected,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Middleware returns a tool middleware that counts every call it wraps.
// Pass it first in Options.ToolMiddleware so that it sees the outcome of
// everything inside, recovered panics included. A round that only asks the
// client for input (a multi round-trip result) is not a call of its own.
func (m *Metrics) Middleware() server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			tool := req.Params.Name
			m.inFlight.Inc()
			start := time.Now()
			res, err := next(ctx, req)
			m.inFlight.Dec()
			if err == nil && res != nil && res.NeedsInput() {
				// A round of a multi round-trip call (the client's roots,
				// say): the call is counted once, when it has its result.
				return res, err
			}
			m.duration.WithLabelValues(tool).Observe(time.Since(start).Seconds())
			m.calls.WithLabelValues(tool, callOutcome(ctx, res, err)).Inc()
			return res, err
		}
	}
}

func callOutcome(ctx context.Context, res *mcp.CallToolResult, err error) string {
	switch {
	case ctx.Err() != nil:
		return OutcomeCancelled
	case err != nil:
		return OutcomeError
	case res != nil && res.IsError:
		return OutcomeToolError
	default:
		return OutcomeOK
	}
}

// AddHooks registers session hooks on h that keep the sessions gauge.
func (m *Metrics) AddHooks(h *server.Hooks) {
	h.AddOnRegisterSession(func(context.Context, server.ClientSession) { m.sessions.Inc() })
	h.AddOnUnregisterSession(func(context.Context, server.ClientSession) { m.sessions.Dec() })
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// reject counts a refused request; m may be nil.
func (m *Metrics) reject(reason string) {
	if m != nil {
		m.rejected.WithLabelValues(reason).Inc()
	}
}
