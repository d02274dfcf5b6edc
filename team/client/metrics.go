package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// toolCalls returns the calls of tool a replica has counted (every outcome),
// read from its /metrics with Prometheus's text parser.
func toolCalls(ctx context.Context, base, tool string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scrape %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scrape %s: HTTP %d", base, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("parse metrics of %s: %w", base, err)
	}
	var sum float64
	for _, m := range families["glm_mcp_tool_calls_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "tool" && l.GetValue() == tool {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum, nil
}

// callsPerReplica scrapes every replica.
func callsPerReplica(ctx context.Context, bases []string, tool string) ([]float64, error) {
	out := make([]float64, len(bases))
	for i, b := range bases {
		n, err := toolCalls(ctx, b, tool)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// deltas returns after-before per replica.
func deltas(before, after []float64) []float64 {
	out := make([]float64, len(after))
	for i := range after {
		out[i] = after[i] - before[i]
	}
	return out
}
