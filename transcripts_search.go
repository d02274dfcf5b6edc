package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
	"github.com/glm-mcp/glm-mcp/webui"
)

// searchHit is a search result as `transcripts search --json` prints it:
// the store's hit with a readable place, and the snippet's matches
// between ** marks.
type searchHit struct {
	TranscriptID string    `json:"transcript_id"`
	Title        string    `json:"title"`
	Place        string    `json:"place"`
	Kind         string    `json:"kind"`
	Field        string    `json:"field"`
	Seq          int       `json:"seq,omitempty"`
	Role         string    `json:"role,omitempty"`
	CallID       string    `json:"call_id,omitempty"`
	Tool         string    `json:"tool,omitempty"`
	Step         int       `json:"step,omitempty"`
	At           time.Time `json:"at"`
	Snippet      string    `json:"snippet"`
}

func (a *app) transcriptsSearch(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("search", "search QUERY [--limit N] [--json] [--db PATH]", db)
	limit := f.fs.Int("limit", 20, "how many matches to show, newest first")
	asJSON := f.fs.Bool("json", false, "print a JSON array of matches")
	pos, err := f.parse(args, 0, -1)
	if err != nil {
		return err
	}
	query := strings.Join(pos, " ")
	switch {
	case strings.TrimSpace(query) == "":
		return usageError("a search query is needed: transcripts search WORD...")
	case *limit < 1:
		return usageError("--limit %d: give 1 or more", *limit)
	}
	st, err := f.open(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	hits, err := st.Search(ctx, query, *limit)
	if errors.Is(err, store.ErrEmptyQuery) {
		return usageError("%q: %v", query, err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]searchHit, len(hits))
		for i, h := range hits {
			out[i] = searchHit{TranscriptID: h.TranscriptID, Title: h.Title, Place: webui.Place(h), Kind: h.Kind,
				Field: h.Field, Seq: h.Seq, Role: h.Role, CallID: h.CallID, Tool: h.Tool, Step: h.Step, At: h.At,
				Snippet: h.MarkedSnippet("**", "**")}
		}
		return writeJSON(a.stdout, out)
	}
	if len(hits) == 0 {
		fmt.Fprintf(a.stderr, "nothing matches %q\n", query)
		return nil
	}
	a.searchText(hits)
	return nil
}

// searchText prints each hit as a heading (transcript, time, title), where
// it is, and the snippet on one line, the matches in bold on a terminal.
func (a *app) searchText(hits []store.SearchHit) {
	c := newColours(a.stdout, a.getenv)
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.TranscriptID
	}
	short := shortIDs(ids, 10)
	open, close := "**", "**"
	if c.on {
		open, close = "\x1b[1;33m", reset
	}
	var b strings.Builder
	for i, h := range hits {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s%s%s  %s  %s\n", c.bold(), short[h.TranscriptID], c.reset(), h.At.Local().Format("2006-01-02 15:04"),
			shorten(h.Title, 60))
		fmt.Fprintf(&b, "  %s%s%s\n", c.dim(), webui.Place(h), c.reset())
		fmt.Fprintf(&b, "  %s\n", strings.Join(strings.Fields(h.MarkedSnippet(open, close)), " "))
	}
	fmt.Fprint(a.stdout, b.String())
}
