package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Import stores a whole transcript, as read from the JSON export, under its
// own id and times, in one transaction. It is how an exported transcript
// comes back (on another machine, or after rm). A transcript with that id
// must not exist yet; a link to a parent that is not in this database is
// dropped. A running transcript has no writer here, so it shows as
// interrupted. Steps and usage totals are derived from the completions.
func (s *Store) Import(ctx context.Context, t *Transcript) error {
	if !validID(t.ID) {
		return fmt.Errorf("import transcript: %q is not a transcript id", t.ID)
	}
	if err := checkRelation(t.ParentID, t.Relation); err != nil {
		return fmt.Errorf("import transcript %s: %w", t.ID, err)
	}
	params, err := compactJSON(t.Params)
	if err != nil {
		return fmt.Errorf("import transcript %s: params: %w", t.ID, err)
	}
	tools, err := compactJSON(t.ToolConfig)
	if err != nil {
		return fmt.Errorf("import transcript %s: tool config: %w", t.ID, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if ok, err := exists(ctx, tx, t.ID); err != nil || ok {
			return errors.Join(err, errExists)
		}
		parent, relation := nullString(t.ParentID), nullString(t.Relation)
		if ok, err := exists(ctx, tx, t.ParentID); err != nil {
			return err
		} else if !ok {
			parent, relation = nil, nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO transcripts (id, title, created_ms, updated_ms, status, error,
			provider, base_url, model, params, tool_config, parent_id, relation)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Title, toMS(t.Created), toMS(t.Updated), t.Status, t.Error, t.Provider, t.BaseURL, t.Model,
			nullText(params), nullText(tools), parent, relation)
		if err != nil {
			return err
		}
		return importChildren(ctx, tx, t)
	})
	if err != nil {
		return fmt.Errorf("import transcript %s: %w", t.ID, err)
	}
	return nil
}

var errExists = errors.New("a transcript with this id exists already")

// exists reports whether transcript id is stored.
func exists(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM transcripts WHERE id = ?", id).Scan(&n)
	return n > 0, err
}

func importChildren(ctx context.Context, tx *sql.Tx, t *Transcript) error {
	for i, m := range t.Messages {
		if err := checkRole(m.Role); err != nil {
			return fmt.Errorf("message %d: %w", i+1, err)
		}
		calls, err := compactJSON(m.ToolCalls)
		if err != nil {
			return fmt.Errorf("message %d: tool calls: %w", i+1, err)
		}
		details, err := compactJSON(m.ReasoningDetails)
		if err != nil {
			return fmt.Errorf("message %d: reasoning details: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (transcript_id, seq, role, content, reasoning,
			tool_calls, tool_call_id, created_ms, reasoning_details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, i+1, m.Role, m.Content, m.Reasoning, nullText(calls), m.ToolCallID, toMS(m.Created), nullText(details)); err != nil {
			return fmt.Errorf("message %d: %w", i+1, err)
		}
	}
	for i, e := range t.ToolExecutions {
		if err := insertToolExecution(ctx, tx, t.ID, e); err != nil {
			return fmt.Errorf("tool execution %d: %w", i+1, err)
		}
	}
	for i, c := range t.Completions {
		if err := insertCompletion(ctx, tx, t.ID, c); err != nil {
			return fmt.Errorf("completion %d: %w", i+1, err)
		}
	}
	for i, c := range t.Compactions {
		if err := insertCompaction(ctx, tx, t.ID, c); err != nil {
			return fmt.Errorf("compaction %d: %w", i+1, err)
		}
	}
	return nil
}
