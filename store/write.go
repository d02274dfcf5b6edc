package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3"
)

// Each write method is one transaction, committed before it returns: the
// bridge records every event as it happens.

// maxTitle bounds a title in characters; the full prompt is in the messages.
const maxTitle = 120

// CreateTranscript starts a running transcript and returns its id. The
// process becomes the transcript's writer until FinishTranscript, or until
// it closes the Store or dies, after which the transcript shows as
// interrupted.
func (s *Store) CreateTranscript(ctx context.Context, meta TranscriptMeta) (string, error) {
	if err := checkRelation(meta.ParentID, meta.Relation); err != nil {
		return "", fmt.Errorf("create transcript: %w", err)
	}
	params, err := compactJSON(meta.Params)
	if err != nil {
		return "", fmt.Errorf("create transcript: params: %w", err)
	}
	tools, err := compactJSON(meta.ToolConfig)
	if err != nil {
		return "", fmt.Errorf("create transcript: tool config: %w", err)
	}
	w, err := s.claimWriter()
	if err != nil {
		return "", fmt.Errorf("create transcript: %w", err)
	}
	now := time.Now()
	id := newID(now)
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO transcripts (id, title, created_ms, updated_ms, status,
			provider, base_url, model, params, tool_config, parent_id, relation, writer, writer_pid)
			VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, title(meta.Title), now.UnixMilli(), now.UnixMilli(), meta.Provider, meta.BaseURL, meta.Model,
			nullText(params), nullText(tools), nullString(meta.ParentID), nullString(meta.Relation), w.token, os.Getpid())
		return err
	})
	if err != nil {
		if meta.ParentID != "" && isForeignKey(err) {
			err = fmt.Errorf("parent %s: %w", meta.ParentID, ErrNotFound)
		}
		return "", fmt.Errorf("create transcript: %w", err)
	}
	return id, nil
}

// claimWriter returns this Store's writer lock, claiming it on first use.
func (s *Store) claimWriter() (*writerLock, error) {
	if s.readOnly {
		return nil, fmt.Errorf("%w: %s was opened read-only", ErrReadOnly, s.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer == nil {
		w, err := claimWriter(s.path)
		if err != nil {
			return nil, err
		}
		s.writer = w
	}
	return s.writer, nil
}

// AppendMessage adds m at the end of transcript id's messages; the store
// assigns its sequence number (m.Seq is ignored). The first user message
// gives an untitled transcript its title.
func (s *Store) AppendMessage(ctx context.Context, id string, m Message) error {
	if err := checkRole(m.Role); err != nil {
		return fmt.Errorf("append message: %w", err)
	}
	calls, err := compactJSON(m.ToolCalls)
	if err != nil {
		return fmt.Errorf("append message: tool calls: %w", err)
	}
	details, err := compactJSON(m.ReasoningDetails)
	if err != nil {
		return fmt.Errorf("append message: reasoning details: %w", err)
	}
	created := toMS(m.Created)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, m.Role, m.Content); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO messages
			(transcript_id, seq, role, content, reasoning, tool_calls, tool_call_id, created_ms, reasoning_details)
			SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM messages WHERE transcript_id = ?1`,
			id, m.Role, m.Content, m.Reasoning, nullText(calls), m.ToolCallID, created, nullText(details))
		return err
	})
	if err != nil {
		return fmt.Errorf("append message to %s: %w", id, err)
	}
	return nil
}

// touch marks transcript id updated, titling it from the first user
// message, and reports ErrNotFound when there is no such transcript.
func touch(ctx context.Context, tx *sql.Tx, id, role, content string) error {
	var t string
	if role == "user" {
		t = title(content)
	}
	res, err := tx.ExecContext(ctx, `UPDATE transcripts SET updated_ms = ?,
		title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?`, nowMS(), t, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(ErrNotFound, err)
	}
	return nil
}

// RecordToolExecution records one tool run in transcript id.
func (s *Store) RecordToolExecution(ctx context.Context, id string, e ToolExecution) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, "", ""); err != nil {
			return err
		}
		return insertToolExecution(ctx, tx, id, e)
	})
	if err != nil {
		return fmt.Errorf("record tool execution in %s: %w", id, err)
	}
	return nil
}

// RecordCompletion records one completion request in transcript id.
func (s *Store) RecordCompletion(ctx context.Context, id string, c Completion) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, "", ""); err != nil {
			return err
		}
		return insertCompletion(ctx, tx, id, c)
	})
	if err != nil {
		return fmt.Errorf("record completion in %s: %w", id, err)
	}
	return nil
}

func insertToolExecution(ctx context.Context, tx *sql.Tx, id string, e ToolExecution) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tool_executions (transcript_id, step, call_id, tool, server,
		arguments, result, is_error, started_ms, duration_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, e.Step, e.CallID, e.Tool, e.Server, e.Arguments, e.Result, e.IsError, toMS(e.Started), e.Duration.Microseconds())
	return err
}

func insertCompletion(ctx context.Context, tx *sql.Tx, id string, c Completion) error {
	u := c.Usage
	_, err := tx.ExecContext(ctx, `INSERT INTO completions (transcript_id, step, started_ms, request_body,
		response_body, http_status, latency_us, prompt_tokens, completion_tokens, total_tokens,
		reasoning_tokens, cached_tokens, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, c.Step, toMS(c.Started), nullText(c.RequestBody), nullText(c.ResponseBody), c.HTTPStatus,
		c.Latency.Microseconds(), u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.ReasoningTokens,
		u.CachedTokens, c.Error)
	return err
}

// FinishTranscript sets the final status of transcript id (done, error,
// cancelled or max_steps) and the error message, if any.
func (s *Store) FinishTranscript(ctx context.Context, id, status, errMsg string) error {
	switch status {
	case StatusDone, StatusError, StatusCancelled, StatusMaxSteps:
	default:
		return fmt.Errorf("finish transcript %s: status %q is not done, error, cancelled or max_steps", id, status)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE transcripts SET status = ?, error = ?, updated_ms = ? WHERE id = ?",
			status, errMsg, nowMS(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(ErrNotFound, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish transcript %s: %w", id, err)
	}
	return nil
}

// Delete removes transcript id with its messages, tool executions and
// completions. Transcripts that continued or replayed it lose their link
// to it; Delete returns how many.
func (s *Store) Delete(ctx context.Context, id string) (unlinked int, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE transcripts SET parent_id = NULL, relation = NULL WHERE parent_id = ?", id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		unlinked = int(n)
		if res, err = tx.ExecContext(ctx, "DELETE FROM transcripts WHERE id = ?", id); err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(ErrNotFound, err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete transcript %s: %w", id, err)
	}
	return unlinked, nil
}

// title makes a one-line title of at most maxTitle characters.
func title(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxTitle {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxTitle-1])) + "…"
}

func checkRole(role string) error {
	switch role {
	case "system", "user", "assistant", "tool":
		return nil
	}
	return fmt.Errorf("role %q is not system, user, assistant or tool", role)
}

func checkRelation(parent, relation string) error {
	switch {
	case parent == "" && relation == "":
		return nil
	case parent == "" || relation == "":
		return errors.New("a parent id and a relation go together")
	case relation != RelationContinue && relation != RelationReplay:
		return fmt.Errorf("relation %q is not continue or replay", relation)
	}
	return nil
}

func isForeignKey(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}

// nullText stores empty bytes as NULL and the rest as text.
func nullText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
