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
// first, at most limit of them (20 when limit <= 0). Each word matches
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
	order, err := searchOrder(ctx, tx, match, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits := map[hitKey]SearchHit{}
	if err := messageHits(ctx, tx, match, order, hits); err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	if err := toolHits(ctx, tx, match, order, hits); err != nil {
		return nil, fmt.Errorf("search tool calls: %w", err)
	}
	out := make([]SearchHit, 0, len(order))
	for _, k := range order {
		if h, ok := hits[k]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// hitKey names a row of messages (kind 'm') or tool_executions ('t').
type hitKey struct {
	kind  string
	docid int64
}

// searchOrder returns the newest matching rows, without their snippets,
// which are made for these rows only.
func searchOrder(ctx context.Context, tx *sql.Tx, match string, limit int) ([]hitKey, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT 'm', f.docid, m.created_ms AS at FROM messages_fts f JOIN messages m ON m.id = f.docid
		WHERE messages_fts MATCH ?1
		UNION ALL
		SELECT 't', f.docid, e.started_ms FROM tool_executions_fts f JOIN tool_executions e ON e.id = f.docid
		WHERE tool_executions_fts MATCH ?1
		ORDER BY at DESC, 2 DESC LIMIT ?2`, match, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hitKey
	for rows.Next() {
		var k hitKey
		var at int64
		if err := rows.Scan(&k.kind, &k.docid, &at); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// docids lists the ids of one kind as SQL integer literals.
func docids(order []hitKey, kind string) string {
	var ids []string
	for _, k := range order {
		if k.kind == kind {
			ids = append(ids, strconv.FormatInt(k.docid, 10))
		}
	}
	return strings.Join(ids, ",")
}

func messageHits(ctx context.Context, tx *sql.Tx, match string, order []hitKey, hits map[hitKey]SearchHit) error {
	ids := docids(order, "m")
	if ids == "" {
		return nil
	}
	// The ids are integers formatted here, not user input.
	rows, err := tx.QueryContext(ctx, `SELECT f.docid, m.transcript_id, t.title, m.seq, m.role, m.tool_call_id,
		coalesce((SELECT e.tool FROM tool_executions e WHERE e.transcript_id = m.transcript_id
			AND e.call_id = m.tool_call_id AND m.tool_call_id <> '' ORDER BY e.id DESC LIMIT 1), ''),
		m.created_ms, offsets(messages_fts),
		snippet(messages_fts, ?2, ?3, '…', 0, ?4), snippet(messages_fts, ?2, ?3, '…', 1, ?4)
		FROM messages_fts f JOIN messages m ON m.id = f.docid JOIN transcripts t ON t.id = m.transcript_id
		WHERE messages_fts MATCH ?1 AND f.docid IN (`+ids+`)`, match, MarkStart, MarkEnd, snippetTokens)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := SearchHit{Kind: HitMessage}
		var docid, at int64
		var offsets, content, reasoning string
		if err := rows.Scan(&docid, &h.TranscriptID, &h.Title, &h.Seq, &h.Role, &h.CallID, &h.Tool, &at,
			&offsets, &content, &reasoning); err != nil {
			return err
		}
		h.At = fromMS(at)
		h.Field, h.Snippet = "content", content
		if firstColumn(offsets) == 1 {
			h.Field, h.Snippet = "reasoning", reasoning
		}
		hits[hitKey{"m", docid}] = h
	}
	return rows.Err()
}

func toolHits(ctx context.Context, tx *sql.Tx, match string, order []hitKey, hits map[hitKey]SearchHit) error {
	ids := docids(order, "t")
	if ids == "" {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT f.docid, e.transcript_id, t.title, e.call_id, e.tool, e.step,
		e.started_ms, snippet(tool_executions_fts, ?2, ?3, '…', 0, ?4)
		FROM tool_executions_fts f JOIN tool_executions e ON e.id = f.docid JOIN transcripts t ON t.id = e.transcript_id
		WHERE tool_executions_fts MATCH ?1 AND f.docid IN (`+ids+`)`, match, MarkStart, MarkEnd, snippetTokens)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := SearchHit{Kind: HitToolCall, Field: "arguments"}
		var docid, at int64
		if err := rows.Scan(&docid, &h.TranscriptID, &h.Title, &h.CallID, &h.Tool, &h.Step, &at, &h.Snippet); err != nil {
			return err
		}
		h.At = fromMS(at)
		hits[hitKey{"t", docid}] = h
	}
	return rows.Err()
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
