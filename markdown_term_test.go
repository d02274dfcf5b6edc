package main

import (
	"strings"
	"testing"
)

func TestRenderMarkdown(t *testing.T) {
	src := "# Title\n\nSome *soft* and **strong** text with `code` and a [link](https://example.com).\n\n" +
		"- one\n- two\n  continued\n\n1. first\n2. second\n\n```go\nfunc main() {}\n```\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
	tests := []struct {
		name   string
		colour bool
		want   []string
		not    []string
	}{
		{"plain", false, []string{"# Title", "Some soft and strong text with code and a link (https://example.com).",
			"• one", "• two continued", "1. first", "2. second", "    func main() {}", "│ quoted", "a │ b", "1 │ 2"},
			[]string{"\x1b[", "**", "```", "*soft*"}},
		{"colour", true, []string{ansiBold + "Title" + ansiReset, ansiItalic + "soft" + ansiReset, ansiBold + "strong" + ansiReset,
			ansiCode + "code" + ansiReset, ansiCode + "func main() {}" + ansiReset}, []string{"# Title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderMarkdown(src, 100, tt.colour)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestRenderMarkdown_WrapsParagraphsNotCode(t *testing.T) {
	long := strings.Repeat("word ", 40)
	code := "    " + strings.Repeat("x", 120)
	got := renderMarkdown(long+"\n\n```\n"+strings.Repeat("x", 120)+"\n```\n", 40, false)
	for _, line := range strings.Split(got, "\n") {
		if visibleLen(line) > 40 && line != code {
			t.Errorf("line over 40 columns: %q", line)
		}
	}
	if !strings.Contains(got, code) {
		t.Errorf("a code block must not wrap:\n%s", got)
	}
}
