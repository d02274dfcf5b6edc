package main

import (
	"cmp"
	"context"
	"strings"

	"github.com/charmbracelet/glamour"

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
	if err := renderTranscriptMD(&b, t, c, markdownRenderer(tio.Width(), c.on, a.getenv("GLAMOUR_STYLE"))); err != nil {
		return err
	}
	return tio.Page(ctx, b.String())
}

// markdownRenderer renders Markdown for a terminal width columns wide: in the
// named glamour style (default dark) when colour is on, else without colour
// (glamour's notty style). It is nil when the style does not exist, and the
// text is then shown as it is.
func markdownRenderer(width int, colour bool, style string) func(string) string {
	style = cmp.Or(style, "dark")
	if !colour {
		style = "notty"
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(width-4, 20)))
	if err != nil {
		return nil
	}
	return func(s string) string {
		out, err := r.Render(s)
		if err != nil {
			return s
		}
		return strings.Trim(out, "\n")
	}
}
