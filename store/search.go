package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Marks around each matching term in a SearchHit's Snippet. They are control
// characters, which stored text does not use, so that each caller turns them
// into what its output needs (bold on a terminal, <mark> on a page).
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// ErrEmptyQuery means a search query holds no word to look for.
var ErrEmptyQuery = errors.New("the search query has no word to look for")

// Where a search hit is.
const (
	HitMessage  = "message"   // a message's content or reasoning
	HitToolCall = "tool_call" // a tool execution's arguments
)

// SearchHit is one place a search matched: a message (Seq, Role; CallID and
// Tool for a tool result) or a tool call (CallID, Tool, Step).
type SearchHit struct {
	TranscriptID string    `json:"transcript_id"`
	Title        string    `json:"title"`
	Kind         string    `json:"kind"`  // HitMessage or HitToolCall
	Field        string    `json:"field"` // content, reasoning or arguments
	Seq          int       `json:"seq,omitempty"`
	Role         string    `json:"role,omitempty"`
	CallID       string    `json:"call_id,omitempty"`
	Tool         string    `json:"tool,omitempty"`
	Step         int       `json:"step,omitempty"`
	At           time.Time `json:"at"`      // when the message was written or the call started
	Snippet      string    `json:"snippet"` // the matching text, terms between MarkStart and MarkEnd
}

// MarkedSnippet is the snippet with its marks replaced by open and close.
func (h SearchHit) MarkedSnippet(open, close string) string {
	return strings.NewReplacer(MarkStart, open, MarkEnd, close).Replace(h.Snippet)
}

// snippetTokens is about how many words a snippet shows around the match.
const snippetTokens = 24

// Search finds the places whose text holds every word of query, newest
// first (in the order they were recorded), at most limit of them (20 when
// limit <= 0). Each word matches
// whole words, case and accents aside; a word ending in * matches as a
// prefix; punctuation inside a word (a path, an identifier) makes it a
// phrase. The search covers prompts, answers, reasoning, tool results and
// tool arguments.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	match, err := matchExpr(query)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if limit <= 0 {
		limit = 20
	}
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer tx.Rollback() // a read: nothing to undo
	msgs, err := messageHits(ctx, tx, match, limit)
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	calls, err := toolHits(ctx, tx, match, limit)
	if err != nil {
		return nil, fmt.Errorf("search tool calls: %w", err)
	}
	return mergeNewest(msgs, calls, limit), nil
}

// Each table is searched newest row first, which the full-text index walks
// in its own order (docid DESC) and stops after limit rows, so that only
// those get snippets: sorting every match by time first, then making
// snippets, costs a full-text query per hit.

func messageHits(ctx context.Context, tx *sql.Tx, match string, limit int) ([]SearchHit, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.transcript_id, t.title, m.seq, m.role, m.tool_call_id,
		coalesce((SELECT e.tool FROM tool_executions e WHERE e.transcript_id = m.transcript_id
			AND e.call_id = m.tool_call_id AND m.tool_call_id <> '' ORDER BY e.id DESC LIMIT 1), ''),
		m.created_ms, offsets(messages_fts),
		snippet(messages_fts, ?2, ?3, '…', 0, ?4), snippet(messages_fts, ?2, ?3, '…', 1, ?4)
		FROM messages_fts f JOIN messages m ON m.id = f.docid JOIN transcripts t ON t.id = m.transcript_id
		WHERE messages_fts MATCH ?1 ORDER BY f.docid DESC LIMIT ?5`, match, MarkStart, MarkEnd, snippetTokens, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchHit
	for rows.Next() {
		h := SearchHit{Kind: HitMessage}
		var at int64
		var offsets, content, reasoning string
		if err := rows.Scan(&h.TranscriptID, &h.Title, &h.Seq, &h.Role, &h.CallID, &h.Tool, &at,
			&offsets, &content, &reasoning); err != nil {
			return nil, err
		}
		h.At = fromMS(at)
		h.Field, h.Snippet = "content", content
		if firstColumn(offsets) == 1 {
			h.Field, h.Snippet = "reasoning", reasoning
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func toolHits(ctx context.Context, tx *sql.Tx, match string, limit int) ([]SearchHit, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.transcript_id, t.title, e.call_id, e.tool, e.step,
		e.started_ms, snippet(tool_executions_fts, ?2, ?3, '…', 0, ?4)
		FROM tool_executions_fts f JOIN tool_executions e ON e.id = f.docid JOIN transcripts t ON t.id = e.transcript_id
		WHERE tool_executions_fts MATCH ?1 ORDER BY f.docid DESC LIMIT ?5`, match, MarkStart, MarkEnd, snippetTokens, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchHit
	for rows.Next() {
		h := SearchHit{Kind: HitToolCall, Field: "arguments"}
		var at int64
		if err := rows.Scan(&h.TranscriptID, &h.Title, &h.CallID, &h.Tool, &h.Step, &at, &h.Snippet); err != nil {
			return nil, err
		}
		h.At = fromMS(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// mergeNewest merges two lists, each newest first, into the newest limit.
func mergeNewest(a, b []SearchHit, limit int) []SearchHit {
	out := make([]SearchHit, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || len(a) > 0 && !b[0].At.After(a[0].At) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// firstColumn is the column of the first match in an FTS4 offsets() list
// ("column term byte size ...").
func firstColumn(offsets string) int {
	col, _, _ := strings.Cut(offsets, " ")
	n, _ := strconv.Atoi(col)
	return n
}

// matchExpr turns what a user typed into an FTS4 query: every word must
// occur, each as a quoted phrase so that the query language's operators and
// punctuation (-, :, ", parentheses, AND/OR/NOT) are plain text. A trailing
// * keeps its meaning: a prefix.
func matchExpr(query string) (string, error) {
	var terms []string
	for _, w := range strings.Fields(query) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.ReplaceAll(strings.TrimRight(w, "*"), `"`, " ")
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		term := `"` + w + `"`
		if prefix {
			term = `"` + w + `*"`
		}
		terms = append(terms, term)
	}
	if len(terms) == 0 {
		return "", ErrEmptyQuery
	}
	return strings.Join(terms, " "), nil
}
