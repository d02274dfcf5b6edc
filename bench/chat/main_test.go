package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	tests := []struct {
		name          string
		in            []time.Duration
		med, p95, min time.Duration
	}{
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond},
		{"odd, unsorted", ms(9, 1, 5), 5 * time.Millisecond, 9 * time.Millisecond, time.Millisecond},
		{"even takes the mean of the middle two", ms(4, 1, 3, 2), 2500 * time.Microsecond, 4 * time.Millisecond, time.Millisecond},
		{"p95 is the nearest rank", ms(hundred...), 50500 * time.Microsecond, 95 * time.Millisecond, time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := summarize(tc.in)
			if s.median != tc.med || s.p95 != tc.p95 || s.min != tc.min {
				t.Errorf("summarize = %+v, want median %v p95 %v min %v", s, tc.med, tc.p95, tc.min)
			}
		})
	}
}

// TestEndpoint_Complete: the real GLM client reads the fake's stream as a
// whole answer, and the endpoint dates the request before its last token.
func TestEndpoint_Complete(t *testing.T) {
	e, err := startEndpoint(2)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	p, _ := glm.LookupProfile("zai")
	c, err := glm.NewClient(glm.Config{Profile: p, BaseURL: e.URL, APIKey: "dummy", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		resp, err := c.Complete(context.Background(), glm.Request{Stream: true,
			Messages: []glm.Message{{Role: glm.RoleUser, Content: "hello"}}}, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		want := fmt.Sprintf("Here is answer %d end-%d.", i, i)
		if got := resp.Message().Content; got != want || resp.Choices[0].FinishReason != "stop" {
			t.Errorf("request %d: content %q finish %q, want %q stop", i, got, resp.Choices[0].FinishReason, want)
		}
		h, err := e.next(waitStep)
		if err != nil {
			t.Fatal(err)
		}
		if h.n != i || h.arrived.IsZero() || h.final.Before(h.arrived) {
			t.Errorf("request %d: hit %+v, want n %d and arrival before the last token", i, h, i)
		}
	}
}

// TestMeasureBaseline: the harness drives cat and a shell loop in a pty and
// dates one round trip per line; the programs are gone afterwards.
func TestMeasureBaseline(t *testing.T) {
	c := config{n: 3, warmup: 1, workDir: t.TempDir()}
	loop := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do printf '%s'; IFS= read -r l || exit 0; printf '%%s\n' "$l"; i=$((i+1)); done`, 5, prompt)
	tests := []struct {
		name string
		back string
		argv []string
	}{
		{"cat echoes the line", "", []string{"cat"}},
		{"sh loop prints its prompt", prompt, []string{"/bin/sh", "-c", loop}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.argv[0]); err != nil {
				t.Skipf("%s missing: apt-get install -y coreutils", tc.argv[0])
			}
			rts, err := measureBaseline(c, tc.back, tc.argv...)
			if err != nil {
				t.Fatal(err)
			}
			if len(rts) != c.n+c.warmup {
				t.Fatalf("got %d round trips, want %d", len(rts), c.n+c.warmup)
			}
			for i, d := range rts {
				if d <= 0 {
					t.Errorf("round trip %d is %v, want > 0", i, d)
				}
			}
		})
	}
}

// TestReport_Over: the exit status follows the medians against the target.
func TestReport_Over(t *testing.T) {
	d := func(v time.Duration, n int) []time.Duration {
		s := make([]time.Duration, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	base := d(100*time.Microsecond, 3)
	tests := []struct {
		name string
		a, b time.Duration
		over bool
	}{
		{"both small", time.Millisecond, time.Millisecond, false},
		{"(a) over", 6 * time.Millisecond, time.Millisecond, true},
		{"(b) over", time.Millisecond, 6 * time.Millisecond, true},
		{"each under, the sum over", 3 * time.Millisecond, 3 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config{n: 2, warmup: 1, target: 5 * time.Millisecond}
			var out strings.Builder
			got := report(&out, c, chatTimes{a: d(tc.a, 3), b: d(tc.b, 3)}, base, base)
			if got != tc.over {
				t.Errorf("over = %v, want %v:\n%s", got, tc.over, out.String())
			}
			if !strings.Contains(out.String(), "| metric") || strings.Contains(out.String(), "OVER") != tc.over {
				t.Errorf("table or verdict missing:\n%s", out.String())
			}
		})
	}
}
