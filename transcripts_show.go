package main

import (
	"context"
	"strings"

	"github.com/glm-mcp/glm-mcp/store"
)

// showText writes a transcript for reading. On a terminal, prompts and
// answers are rendered as Markdown (in colour unless NO_COLOR or TERM=dumb
// says otherwise), and text longer than the screen goes through $PAGER
// (default less -R); elsewhere the text is plain.
func (a *app) showText(ctx context.Context, t *store.Transcript) error {
	tio := a.terminal()
	if !tio.IsStdoutTTY() {
		return renderTranscript(a.stdout, t, colours{})
	}
	c := colours{on: tio.ColorEnabled()}
	var b strings.Builder
	if err := renderTranscriptMD(&b, t, c, markdownRenderer(tio.Width(), c.on)); err != nil {
		return err
	}
	return tio.Page(ctx, b.String())
}

// markdownRenderer renders Markdown for a terminal width columns wide, with
// ANSI styles when colour is on.
func markdownRenderer(width int, colour bool) func(string) string {
	return func(s string) string { return renderMarkdown(s, max(width-4, 20), colour) }
}
