package glm

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestModels(t *testing.T) {
	ms := Models()
	ids := map[string]bool{}
	for _, m := range ms {
		if ids[m.ID] {
			t.Errorf("%s listed twice", m.ID)
		}
		ids[m.ID] = true
		if m.ContextWindow <= 0 || m.MaxOutput <= 0 || m.MaxOutput > m.ContextWindow || m.MaxOutput > 262144 {
			t.Errorf("%s: window %d, output %d", m.ID, m.ContextWindow, m.MaxOutput)
		}
		if !strings.Contains(m.Source, "read 2026-12-01") {
			t.Errorf("%s: source %q names no date", m.ID, m.Source)
		}
		if m.Price.Input < 0 || m.Price.CachedInput > m.Price.Input || m.Price.Output < m.Price.Input && m.Price.Output != 0 {
			t.Errorf("%s: price %+v", m.ID, m.Price)
		}
	}
	for _, id := range []string{"glm-4.5", "glm-4.5-air", "glm-4.5-flash", "glm-4.6", "glm-4.7", "glm-4.7-flash", "glm-5", "glm-5.1"} {
		if !ids[id] {
			t.Errorf("%s missing", id)
		}
	}
	ms[0].MaxOutput = 1
	if m, _ := LookupModel(ms[0].ID); m.MaxOutput == 1 {
		t.Error("Models returns the table itself")
	}
}

func TestLookupModel(t *testing.T) {
	tests := []struct {
		id     string
		want   string
		window int
		ok     bool
	}{
		{"glm-4.7", "glm-4.7", 200000, true},
		{"GLM-4.5", "glm-4.5", 128000, true},
		{" glm-5.1 ", "glm-5.1", 200000, true},
		{"zhipu/glm-4.7", "glm-4.7", 200000, true},
		{"z-ai/glm-5.2", "glm-5.2", 1000000, true},
		{"glm-9", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			m, ok := LookupModel(tt.id)
			if ok != tt.ok || m.ID != tt.want || m.ContextWindow != tt.window {
				t.Errorf("LookupModel(%q) = %+v, %v", tt.id, m, ok)
			}
		})
	}
}

func TestPrice_Cost(t *testing.T) {
	p := Price{Input: 0.6, CachedInput: 0.11, Output: 2.2}
	tests := []struct {
		name                       string
		prompt, cached, completion int
		want                       float64
	}{
		{"fresh and cached", 1_000_000, 500_000, 1_000_000, 0.3 + 0.055 + 2.2},
		{"none cached", 2_000_000, 0, 0, 1.2},
		{"cached over prompt counts as all cached", 1_000_000, 5_000_000, 0, 0.11},
		{"negative counts are zero", -5, -1, -7, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Cost(tt.prompt, tt.cached, tt.completion); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Cost = %v, want %v", got, tt.want)
			}
		})
	}
	if free := (Price{}).Cost(1e6, 0, 1e6); free != 0 {
		t.Errorf("free model costs %v", free)
	}
}

// TestClient_Complete_modelOutputLimit: glm-4.5 with max_tokens 200000 is refused before any
// request, with the model's limit named.
func TestClient_Complete_modelOutputLimit(t *testing.T) {
	tests := []struct {
		name  string
		model string
		max   int
		param string
		limit int // 0: accepted
	}{
		{"glm-4.5 200000", "glm-4.5", 200000, "max_tokens", 98304},
		{"glm-4.5 at its limit", "glm-4.5", 98304, "", 0},
		{"GLM-5.1 over", "GLM-5.1", 128001, "max_completion_tokens", 128000},
		{"glm-4.7 at 131072", "glm-4.7", 131072, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, fixtureReply(t, "response_glm47flash_nonstream_final_text.json", 200))
			c := newTestClient(t, f, "zai", nil)
			req := userRequest(false)
			req.Model = tt.model
			if tt.param == "max_completion_tokens" {
				req.MaxCompletionTokens = Ptr(tt.max)
			} else {
				req.MaxTokens = Ptr(tt.max)
			}
			_, err := c.Complete(context.Background(), req, nil)
			var le *ModelLimitError
			if tt.limit == 0 {
				if err != nil || f.hits() != 1 {
					t.Errorf("err = %v, %d requests", err, f.hits())
				}
				return
			}
			if !errors.As(err, &le) || le.Limit != tt.limit || le.Param != tt.param || le.Value != tt.max {
				t.Fatalf("err = %#v, want a ModelLimitError with limit %d", err, tt.limit)
			}
			if f.hits() != 0 || !strings.Contains(err.Error(), "98304") && tt.limit == 98304 || strings.Contains(err.Error(), "--") {
				t.Errorf("%d requests; Error() = %q", f.hits(), err)
			}
		})
	}
}
