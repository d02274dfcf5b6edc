package mcpserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
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

// durationBuckets are the upper bounds of the latency histogram, in
// seconds: 1 ms to 65 s, each four times the last.
var durationBuckets = []float64{0.001, 0.004, 0.016, 0.064, 0.256, 1.024, 4.096, 16.384, 65.536}

// Metrics counts tool calls, sessions and refused HTTP requests and serves
// them in the Prometheus text format (version 0.0.4), with the usual process_
// and go_ gauges. Each Metrics is its own registry, so several servers (or
// tests) in one process do not share counters.
//
// It is written here rather than with client_golang: the handful of series
// below do not need a registry, and the library with its protobuf runtime
// added 3.7 MB to the binary and 2.5 MB to the idle server's RSS.
type Metrics struct {
	start    time.Time
	inFlight atomic.Int64
	sessions atomic.Int64

	mu       sync.Mutex
	calls    map[[2]string]uint64 // tool, outcome
	duration map[string]*histogram
	rejected map[string]uint64
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

// NewMetrics returns an empty set of metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		start:    time.Now(),
		calls:    map[[2]string]uint64{},
		duration: map[string]*histogram{},
		rejected: map[string]uint64{},
	}
}

// Middleware returns a tool middleware that counts every call it wraps.
// Pass it first in Options.ToolMiddleware so that it sees the outcome of
// everything inside, recovered panics included. A round that only asks the
// client for input (a multi round-trip result) is not a call of its own.
func (m *Metrics) Middleware() server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			m.inFlight.Add(1)
			start := time.Now()
			res, err := next(ctx, req)
			m.inFlight.Add(-1)
			if err == nil && res != nil && res.NeedsInput() {
				// A round of a multi round-trip call (the client's roots,
				// say): the call is counted once, when it has its result.
				return res, err
			}
			m.observe(req.Params.Name, callOutcome(ctx, res, err), time.Since(start).Seconds())
			return res, err
		}
	}
}

// observe counts one finished call of tool. Only registered tools reach a
// tool middleware, so the tool label cannot grow without bound.
func (m *Metrics) observe(tool, outcome string, seconds float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[[2]string{tool, outcome}]++
	h := m.duration[tool]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.duration[tool] = h
	}
	i, _ := slices.BinarySearch(durationBuckets, seconds) // le: a value on a bound belongs to it
	h.counts[i]++
	h.sum += seconds
	h.count++
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
	h.AddOnRegisterSession(func(context.Context, server.ClientSession) { m.sessions.Add(1) })
	h.AddOnUnregisterSession(func(context.Context, server.ClientSession) { m.sessions.Add(-1) })
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		if r.Method == http.MethodHead {
			return
		}
		bw := bufio.NewWriter(w)
		m.WriteText(bw)
		_ = bw.Flush()
	})
}

// reject counts a refused request; m may be nil.
func (m *Metrics) reject(reason string) {
	if m != nil {
		m.mu.Lock()
		m.rejected[reason]++
		m.mu.Unlock()
	}
}

// WriteText writes every metric in the Prometheus text format, families and
// series in a stable order.
func (m *Metrics) WriteText(w io.Writer) {
	m.mu.Lock()
	calls := sortedKeys(m.calls, func(a, b [2]string) int {
		return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1])
	})
	callCounts := make([]uint64, len(calls))
	for i, k := range calls {
		callCounts[i] = m.calls[k]
	}
	tools := sortedKeys(m.duration, strings.Compare)
	hists := make([]histogram, len(tools))
	for i, t := range tools {
		h := m.duration[t]
		hists[i] = histogram{counts: slices.Clone(h.counts), sum: h.sum, count: h.count}
	}
	reasons := sortedKeys(m.rejected, strings.Compare)
	rejected := make([]uint64, len(reasons))
	for i, r := range reasons {
		rejected[i] = m.rejected[r]
	}
	m.mu.Unlock()

	family(w, "glm_mcp_tool_calls_total", "counter",
		"Tool calls finished, by tool and outcome (ok, tool_error, error, cancelled).")
	for i, k := range calls {
		fmt.Fprintf(w, "glm_mcp_tool_calls_total{outcome=%s,tool=%s} %d\n", label(k[1]), label(k[0]), callCounts[i])
	}
	family(w, "glm_mcp_tool_call_duration_seconds", "histogram",
		"Time from the start of a tool call to its result, by tool.")
	for i, tool := range tools {
		h := hists[i]
		var cum uint64
		for b, le := range durationBuckets {
			cum += h.counts[b]
			fmt.Fprintf(w, "glm_mcp_tool_call_duration_seconds_bucket{tool=%s,le=\"%s\"} %d\n", label(tool), num(le), cum)
		}
		fmt.Fprintf(w, "glm_mcp_tool_call_duration_seconds_bucket{tool=%s,le=\"+Inf\"} %d\n", label(tool), h.count)
		fmt.Fprintf(w, "glm_mcp_tool_call_duration_seconds_sum{tool=%s} %s\n", label(tool), num(h.sum))
		fmt.Fprintf(w, "glm_mcp_tool_call_duration_seconds_count{tool=%s} %d\n", label(tool), h.count)
	}
	gauge(w, "glm_mcp_tool_calls_in_flight", "Tool calls running now.", float64(m.inFlight.Load()))
	gauge(w, "glm_mcp_sessions",
		"Open MCP sessions (protocol versions before 2026-07-28; the stateless protocol has none).",
		float64(m.sessions.Load()))
	family(w, "glm_mcp_http_rejected_total", "counter",
		"HTTP requests refused before reaching the MCP transport, by reason.")
	for i, r := range reasons {
		fmt.Fprintf(w, "glm_mcp_http_rejected_total{reason=%s} %d\n", label(r), rejected[i])
	}
	m.writeRuntime(w)
}

// writeRuntime writes the standard go_ and process_ series that dashboards
// for any Go service expect, under their usual names.
func (m *Metrics) writeRuntime(w io.Writer) {
	samples := []metrics.Sample{
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	metrics.Read(samples)
	value := func(s metrics.Sample) float64 {
		if s.Value.Kind() == metrics.KindUint64 {
			return float64(s.Value.Uint64())
		}
		return math.NaN()
	}
	gauge(w, "go_goroutines", "Number of goroutines that currently exist.", value(samples[0]))
	gauge(w, "go_memstats_heap_alloc_bytes", "Bytes of allocated heap objects.", value(samples[1]))
	gauge(w, "go_memstats_sys_bytes", "Bytes of memory obtained from the OS.", value(samples[2]))
	family(w, "go_gc_cycles_total", "counter", "Completed GC cycles.")
	fmt.Fprintf(w, "go_gc_cycles_total %s\n", num(value(samples[3])))
	family(w, "go_info", "gauge", "Information about the Go environment.")
	fmt.Fprintf(w, "go_info{version=%s} 1\n", label(runtime.Version()))

	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		family(w, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
		fmt.Fprintf(w, "process_cpu_seconds_total %s\n", num(cpu))
	}
	if rss, vsz, ok := statm(); ok {
		gauge(w, "process_resident_memory_bytes", "Resident memory size in bytes.", rss)
		gauge(w, "process_virtual_memory_bytes", "Virtual memory size in bytes.", vsz)
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		gauge(w, "process_open_fds", "Number of open file descriptors.", float64(len(fds)))
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		gauge(w, "process_max_fds", "Maximum number of open file descriptors.", float64(lim.Cur))
	}
	gauge(w, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
		float64(m.start.UnixNano())/1e9)
}

// statm reads the resident and virtual sizes from /proc/self/statm.
func statm() (rss, vsz float64, ok bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, 0, false
	}
	pages, err1 := strconv.ParseFloat(f[0], 64)
	res, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	page := float64(os.Getpagesize())
	return res * page, pages * page, true
}

func family(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func gauge(w io.Writer, name, help string, v float64) {
	family(w, name, "gauge", help)
	fmt.Fprintf(w, "%s %s\n", name, num(v))
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label quotes a label value the way the text format escapes it.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// num formats a sample value: shortest round-trip decimal, or NaN, +Inf, -Inf.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func sortedKeys[K comparable, V any](m map[K]V, cmp func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp)
	return keys
}
