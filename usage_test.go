package main

import "testing"

func TestContextLine(t *testing.T) {
	tests := []struct {
		name   string
		tokens int
		model  string
		window int
		want   string
	}{
		{"a small prompt is not 0%", 1200, "glm-4.7", 0, "context 1.2K of 200K (1%)"},
		{"rounded to the nearest percent", 4962, "glm-4.7", 0, "context 5.0K of 200K (2%)"},
		{"under a thousand tokens", 950, "glm-4.7", 0, "context 950 of 200K (<1%)"},
		{"a nearly full window", 131_400, "glm-4.7", 0, "context 131K of 200K (66%)"},
		{"the configured window wins", 6000, "glm-4.7", 12000, "context 6.0K of 12K (50%)"},
		{"an odd window size", 500, "glm-4.7", 12345, "context 500 of 12345 (4%)"},
		{"no prompt yet", 0, "glm-4.7", 0, ""},
		{"an unknown model without a window", 500, "some-other-model", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &askConfig{}
			cfg.ContextWindow = tt.window
			if got := contextLine(tt.tokens, tt.model, cfg); got != tt.want {
				t.Errorf("contextLine(%d, %q, window %d) = %q, want %q", tt.tokens, tt.model, tt.window, got, tt.want)
			}
		})
	}
}

func TestFitLines(t *testing.T) {
	tests := []struct {
		name  string
		width int
		parts []string
		lines string // fitLines
		first string // fitParts
	}{
		{"fits", 80, []string{"done", "1.2K in, 20 out", "19 ms"}, "done · 1.2K in, 20 out · 19 ms", "done · 1.2K in, 20 out · 19 ms"},
		{"breaks between parts", 22, []string{"done", "1.2K in, 20 out", "$0.0030", "19 ms"}, "done · 1.2K in, 20 out\n$0.0030 · 19 ms", "done · 1.2K in, 20 out"},
		{"a part wider than the line stays whole", 5, []string{"status", "longer part"}, "status\nlonger part", "status"},
		{"counts characters, not bytes", 8, []string{"ab", "···"}, "ab · ···", "ab · ···"}, // 8 characters, 11 bytes
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitLines(tt.width, tt.parts...); got != tt.lines {
				t.Errorf("fitLines = %q, want %q", got, tt.lines)
			}
			if got := fitParts(tt.width, tt.parts...); got != tt.first {
				t.Errorf("fitParts = %q, want %q", got, tt.first)
			}
		})
	}
}
