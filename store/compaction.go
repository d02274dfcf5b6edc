package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Compaction is one time the context budget replaced old tool results with
// notes in what was sent to the model; the stored messages stay whole.
type Compaction struct {
	Step         int             `json:"step"`
	Created      time.Time       `json:"created"`
	TokensBefore int             `json:"tokens_before"`
	TokensAfter  int             `json:"tokens_after"`
	Elided       json.RawMessage `json:"elided"` // the calls whose results were elided, as the caller describes them
}

// RecordCompaction records a compaction in transcript id.
func (s *Store) RecordCompaction(ctx context.Context, id string, c Compaction) error {
	elided, err := compactJSON(c.Elided)
	if err != nil || len(elided) == 0 {
		elided = []byte("[]")
	}
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := touch(ctx, tx, id, "", ""); err != nil {
			return err
		}
		return insertCompaction(ctx, tx, id, Compaction{Step: c.Step, Created: c.Created, TokensBefore: c.TokensBefore, TokensAfter: c.TokensAfter, Elided: elided})
	})
	if err != nil {
		return fmt.Errorf("record compaction in %s: %w", id, err)
	}
	return nil
}

func insertCompaction(ctx context.Context, tx *sql.Tx, id string, c Compaction) error {
	elided := []byte(c.Elided)
	if len(elided) == 0 {
		elided = []byte("[]")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO compactions (transcript_id, step, created_ms, tokens_before, tokens_after, elided)
		VALUES (?, ?, ?, ?, ?, ?)`, id, c.Step, toMS(c.Created), c.TokensBefore, c.TokensAfter, string(elided))
	return err
}

func getCompactions(ctx context.Context, tx *sql.Tx, id string) ([]Compaction, error) {
	rows, err := tx.QueryContext(ctx, `SELECT step, created_ms, tokens_before, tokens_after, elided
		FROM compactions WHERE transcript_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Compaction
	for rows.Next() {
		var c Compaction
		var ms int64
		var elided string
		if err := rows.Scan(&c.Step, &ms, &c.TokensBefore, &c.TokensAfter, &elided); err != nil {
			return nil, err
		}
		c.Created, c.Elided = fromMS(ms), json.RawMessage(elided)
		out = append(out, c)
	}
	return out, rows.Err()
}
