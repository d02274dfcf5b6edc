package mcpserver

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The exposition is our own code: Prometheus's own parser must read it, with
// cumulative buckets, values on a bound counted in that bound, and label
// values escaped.
func TestMetrics_TextFormat(t *testing.T) {
	m := NewMetrics()
	odd := "we\"ird\\tool\nname"
	for _, s := range []float64{0.0005, 0.001, 0.002, 0.004, 3, 100} {
		m.observe("read_file", OutcomeOK, s)
	}
	m.observe(odd, OutcomeToolError, 0.01)
	m.reject(RejectToken)
	m.reject(RejectToken)
	var nilM *Metrics
	nilM.reject(RejectHost) // a server without metrics

	var buf bytes.Buffer
	m.WriteText(&buf)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("Prometheus's parser refused the exposition: %v\n%s", err, buf.String())
	}
	h := families["glm_mcp_tool_call_duration_seconds"]
	if h == nil {
		t.Fatal("no latency histogram")
	}
	var rf, weird bool
	for _, mt := range h.GetMetric() {
		tool := mt.GetLabel()[0].GetValue()
		hist := mt.GetHistogram()
		switch tool {
		case "read_file":
			rf = true
			want := map[float64]uint64{0.001: 2, 0.004: 4, 1.024: 4, 4.096: 5, 65.536: 5}
			for _, b := range hist.GetBucket() {
				if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
					t.Errorf("le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
				}
			}
			if hist.GetSampleCount() != 6 || math.Abs(hist.GetSampleSum()-103.0075) > 1e-9 {
				t.Errorf("count %d sum %v, want 6 and 103.0075", hist.GetSampleCount(), hist.GetSampleSum())
			}
		case odd:
			weird = true
		default:
			t.Errorf("unexpected tool label %q", tool)
		}
	}
	if !rf || !weird {
		t.Errorf("series read_file %v, escaped name %v; want both", rf, weird)
	}
	rej := families["glm_mcp_http_rejected_total"].GetMetric()
	if len(rej) != 1 || rej[0].GetCounter().GetValue() != 2 {
		t.Errorf("rejections: %v, want one series of 2", rej)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds", "process_cpu_seconds_total"} {
		f := families[name]
		if f == nil || len(f.GetMetric()) != 1 {
			t.Errorf("%s missing", name)
			continue
		}
		v := f.GetMetric()[0].GetGauge().GetValue() + f.GetMetric()[0].GetCounter().GetValue()
		if !(v > 0) {
			t.Errorf("%s = %v, want a positive value", name, v)
		}
	}
	if rss := families["process_resident_memory_bytes"].GetMetric()[0].GetGauge().GetValue(); rss < 1<<20 {
		t.Errorf("resident memory %v bytes: not read from /proc", rss)
	}
	if !strings.Contains(buf.String(), "# HELP glm_mcp_tool_calls_total ") {
		t.Errorf("no HELP line for the calls counter")
	}
}
