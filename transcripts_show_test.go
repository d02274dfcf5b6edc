package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/glm-mcp/glm-mcp/store"
)

// recordMarkdownAnswer stores a transcript whose answer is Markdown of
// lines answer lines.
func recordMarkdownAnswer(t *testing.T, st *store.Store, lines int) {
	t.Helper()
	ctx := context.Background()
	id, err := st.CreateTranscript(ctx, store.TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}
	answer := "# Findings\n\nThe store is **fast** and `small`.\n\n"
	for i := range lines {
		answer += "- item " + string(rune('a'+i%26)) + "\n"
	}
	for _, m := range []store.Message{{Role: "user", Content: "Summarise the store"}, {Role: "assistant", Content: answer}} {
		if err := st.AppendMessage(ctx, id, m); err != nil {
			t.Fatal(err)
		}
	}
}

// showOnTerminal runs `glm-mcp transcripts show last` on a 24-line
// pseudo-terminal with env and returns what the terminal showed.
func showOnTerminal(t *testing.T, db string, env ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, "transcripts", "show", "last", "--db", db)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color"}, env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 100})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	out, _ := io.ReadAll(ptmx) // ends with EIO when the process exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	return string(out)
}

func TestRunTranscripts_showTerminal(t *testing.T) {
	pager := "PAGER=sed s/^/PAGED:/"
	tests := []struct {
		name      string
		lines     int
		env       []string
		wantPaged bool
		wantColor bool
	}{
		{name: "long, in colour", lines: 40, env: []string{pager}, wantPaged: true, wantColor: true},
		{name: "long, NO_COLOR", lines: 40, env: []string{pager, "NO_COLOR=1"}, wantPaged: true},
		{name: "short", lines: 3, env: []string{pager}, wantColor: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, db := openTranscriptDB(t)
			recordMarkdownAnswer(t, st, tt.lines)
			out := showOnTerminal(t, db, tt.env...)
			// Rendered: a list's items get bullets; in colour the emphasis
			// and heading marks become escape codes.
			if !strings.Contains(out, "• ") || strings.Contains(out, "- item a") {
				t.Errorf("the answer's Markdown is not rendered:\n%s", out)
			}
			if tt.wantColor && (strings.Contains(out, "**fast**") || strings.Contains(out, "# Findings")) {
				t.Errorf("the answer's emphasis is not rendered:\n%s", out)
			}
			if got := strings.Contains(out, "PAGED:"); got != tt.wantPaged {
				t.Errorf("paged %v, want %v:\n%s", got, tt.wantPaged, out)
			}
			if got := strings.Contains(out, "\x1b["); got != tt.wantColor {
				t.Errorf("escape codes %v, want %v:\n%q", got, tt.wantColor, out)
			}
		})
	}
}
