package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Get returns transcript id whole: its messages in order, its tool
// executions and completions in the order they were recorded. It reads one
// consistent snapshot, even while a writer is appending.
func (s *Store) Get(ctx context.Context, id string) (*Transcript, error) {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("get transcript %s: %w", id, err)
	}
	defer tx.Rollback() // a read: nothing to undo
	t, err := getTranscript(ctx, tx, id, newLiveness(s.path))
	if err != nil {
		return nil, fmt.Errorf("get transcript %s: %w", id, err)
	}
	return t, nil
}

func getTranscript(ctx context.Context, tx *sql.Tx, id string, live *liveness) (*Transcript, error) {
	t := &Transcript{}
	var params, tools []byte
	row := tx.QueryRowContext(ctx, `SELECT `+summaryColumns+`, base_url, params, tool_config
		FROM transcripts WHERE id = ?`, id)
	sum, err := scanSummary(row, live, &t.BaseURL, &params, &tools)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.Summary, t.Params, t.ToolConfig = sum, params, tools
	if t.Messages, err = getMessages(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	if t.ToolExecutions, err = getToolExecutions(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("tool executions: %w", err)
	}
	if t.Completions, err = getCompletions(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("completions: %w", err)
	}
	if t.Compactions, err = getCompactions(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("compactions: %w", err)
	}
	return t, nil
}

func getMessages(ctx context.Context, tx *sql.Tx, id string) ([]Message, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, role, content, reasoning, tool_calls, tool_call_id, created_ms,
		reasoning_details FROM messages WHERE transcript_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var calls, details []byte
		var ms int64
		if err := rows.Scan(&m.Seq, &m.Role, &m.Content, &m.Reasoning, &calls, &m.ToolCallID, &ms, &details); err != nil {
			return nil, err
		}
		m.ToolCalls, m.Created, m.ReasoningDetails = calls, fromMS(ms), details
		out = append(out, m)
	}
	return out, rows.Err()
}

func getToolExecutions(ctx context.Context, tx *sql.Tx, id string) ([]ToolExecution, error) {
	rows, err := tx.QueryContext(ctx, `SELECT step, call_id, tool, server, arguments, result, is_error,
		started_ms, duration_us FROM tool_executions WHERE transcript_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ToolExecution{}
	for rows.Next() {
		var e ToolExecution
		var ms, us int64
		if err := rows.Scan(&e.Step, &e.CallID, &e.Tool, &e.Server, &e.Arguments, &e.Result, &e.IsError,
			&ms, &us); err != nil {
			return nil, err
		}
		e.Started, e.Duration = fromMS(ms), time.Duration(us)*time.Microsecond
		out = append(out, e)
	}
	return out, rows.Err()
}

func getCompletions(ctx context.Context, tx *sql.Tx, id string) ([]Completion, error) {
	rows, err := tx.QueryContext(ctx, `SELECT step, started_ms, request_body, response_body, http_status,
		latency_us, prompt_tokens, completion_tokens, total_tokens, reasoning_tokens, cached_tokens, error
		FROM completions WHERE transcript_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Completion{}
	for rows.Next() {
		var c Completion
		var ms, us int64
		u := &c.Usage
		if err := rows.Scan(&c.Step, &ms, &c.RequestBody, &c.ResponseBody, &c.HTTPStatus, &us,
			&u.PromptTokens, &u.CompletionTokens, &u.TotalTokens, &u.ReasoningTokens, &u.CachedTokens,
			&c.Error); err != nil {
			return nil, err
		}
		c.Started, c.Latency = fromMS(ms), time.Duration(us)*time.Microsecond
		out = append(out, c)
	}
	return out, rows.Err()
}
