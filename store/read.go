package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// summaryColumns are the transcripts columns scanned by scanSummary. The
// writer is read only where it matters, for running transcripts.
const summaryColumns = `id, title, created_ms, updated_ms, status, error, provider, model,
	coalesce(parent_id, ''), coalesce(relation, ''), CASE status WHEN 'running' THEN coalesce(writer, '') ELSE '' END,
	steps, prompt_tokens, completion_tokens, total_tokens, reasoning_tokens, cached_tokens`

// List returns the newest transcripts first, at most limit of them (all
// when limit <= 0), each with its step count and token totals.
func (s *Store) List(ctx context.Context, limit int) ([]Summary, error) {
	if limit <= 0 {
		// Size the result first: growing a slice of 10,000 summaries
		// costs more than counting them.
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM transcripts").Scan(&limit); err != nil {
			return nil, fmt.Errorf("list transcripts: %w", err)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryColumns+`
		FROM transcripts ORDER BY created_ms DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list transcripts: %w", err)
	}
	defer rows.Close()
	live := newLiveness(s.path)
	out := make([]Summary, 0, min(limit, 100_000))
	for rows.Next() {
		sum, err := scanSummary(rows, live)
		if err != nil {
			return nil, fmt.Errorf("list transcripts: %w", err)
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list transcripts: %w", err)
	}
	return out, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanSummary scans summaryColumns, then extra.
func scanSummary(sc scanner, live *liveness, extra ...any) (Summary, error) {
	var (
		sum              Summary
		created, updated int64
		writer           string
		u                = &sum.Usage
	)
	dest := []any{&sum.ID, &sum.Title, intDest(&created), intDest(&updated), &sum.Status, &sum.Error,
		&sum.Provider, &sum.Model, &sum.ParentID, &sum.Relation, &writer, intDest(&sum.Steps),
		intDest(&u.PromptTokens), intDest(&u.CompletionTokens), intDest(&u.TotalTokens),
		intDest(&u.ReasoningTokens), intDest(&u.CachedTokens)}
	err := sc.Scan(append(dest, extra...)...)
	sum.Created, sum.Updated = fromMS(created), fromMS(updated)
	sum.Status = live.status(sum.Status, writer)
	return sum, err
}

// intScanner scans an INTEGER column straight into an integer, sparing
// database/sql the reflection and string round trip it uses for integer
// destinations (about a quarter of the time of listing 10,000 transcripts).
type intScanner[T ~int | ~int64] struct{ p *T }

func intDest[T ~int | ~int64](p *T) intScanner[T] { return intScanner[T]{p} }

func (d intScanner[T]) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("integer column holds %T", src)
	}
	*d.p = T(v)
	return nil
}

// Latest returns the id of the newest transcript, or ErrNotFound.
func (s *Store) Latest(ctx context.Context) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, "SELECT id FROM transcripts ORDER BY created_ms DESC, id DESC LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("no transcripts yet: %w", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("latest transcript: %w", err)
	}
	return id, nil
}

// Candidate is a transcript offered in a RefError.
type Candidate struct {
	ID      string
	Created time.Time
	Title   string
}

// RefError is returned by Resolve when a reference names no transcript
// (Err is ErrNotFound; Candidates are the newest transcripts) or several
// (Err is ErrAmbiguous; Candidates are those that match).
type RefError struct {
	Ref        string
	Err        error
	Candidates []Candidate
	More       bool // there are more candidates than listed
}

func (e *RefError) Error() string {
	var b strings.Builder
	if errors.Is(e.Err, ErrAmbiguous) {
		fmt.Fprintf(&b, "transcript id %q is ambiguous; it matches:", e.Ref)
	} else {
		fmt.Fprintf(&b, "no transcript matches %q", e.Ref)
		if len(e.Candidates) == 0 {
			b.WriteString(" (there are no transcripts)")
			return b.String()
		}
		b.WriteString("; the newest are:")
	}
	for _, c := range e.Candidates {
		fmt.Fprintf(&b, "\n  %s  %s  %s", c.ID, c.Created.Local().Format("2006-01-02 15:04"), c.Title)
	}
	if e.More {
		b.WriteString("\n  …")
	}
	return b.String()
}

func (e *RefError) Unwrap() error { return e.Err }

// maxCandidates is how many candidates a RefError lists.
const maxCandidates = 10

// Resolve turns what a user typed into a transcript id: a full id, a
// unique prefix of one (case does not matter), or "last" for the newest.
// It fails with a *RefError listing candidates.
func (s *Store) Resolve(ctx context.Context, ref string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(ref), "last") {
		return s.Latest(ctx)
	}
	prefix, ok := normalizeRef(ref)
	if !ok {
		return "", s.refError(ctx, ref, ErrNotFound, nil)
	}
	// Ids are [0-9a-z]; '~' sorts after all of them, so this range is the
	// prefix, searched on the primary key.
	rows, err := s.r.QueryContext(ctx, `SELECT id, created_ms, title FROM transcripts
		WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT ?`, prefix, prefix+"~", maxCandidates+1)
	if err != nil {
		return "", fmt.Errorf("resolve transcript id: %w", err)
	}
	cands, err := scanCandidates(rows)
	if err != nil {
		return "", fmt.Errorf("resolve transcript id: %w", err)
	}
	switch len(cands) {
	case 0:
		return "", s.refError(ctx, ref, ErrNotFound, nil)
	case 1:
		return cands[0].ID, nil
	}
	return "", s.refError(ctx, ref, ErrAmbiguous, cands)
}

// refError builds a RefError; for ErrNotFound it offers the newest transcripts.
func (s *Store) refError(ctx context.Context, ref string, kind error, cands []Candidate) error {
	limit := maxCandidates
	if kind == ErrNotFound {
		limit = 5
		rows, err := s.r.QueryContext(ctx, `SELECT id, created_ms, title FROM transcripts
			ORDER BY created_ms DESC, id DESC LIMIT ?`, limit+1)
		if err != nil {
			return fmt.Errorf("resolve transcript id: %w", err)
		}
		if cands, err = scanCandidates(rows); err != nil {
			return fmt.Errorf("resolve transcript id: %w", err)
		}
	}
	return &RefError{Ref: ref, Err: kind, Candidates: cands[:min(len(cands), limit)], More: len(cands) > limit}
}

func scanCandidates(rows *sql.Rows) ([]Candidate, error) {
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var ms int64
		if err := rows.Scan(&c.ID, &ms, &c.Title); err != nil {
			return nil, err
		}
		c.Created = fromMS(ms)
		out = append(out, c)
	}
	return out, rows.Err()
}
