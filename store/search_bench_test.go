package store

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// seedMessages writes n transcripts of the five benchMessages each (about
// 13 KB of text a transcript) in one transaction; the triggers index them.
// The middle transcript's prompt holds the word "needle".
func seedMessages(b testing.TB, s *Store, n int) {
	b.Helper()
	seedPast(b, s, n, func(ctx context.Context, tx *sql.Tx, i int, id string, at time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO transcripts (id, created_ms, updated_ms, status)
			VALUES (?, ?, ?, 'done')`, id, at.UnixMilli(), at.UnixMilli()); err != nil {
			return err
		}
		for seq, m := range benchMessages {
			content := m.Content
			if i == n/2 && seq == 0 {
				content += " needle"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO messages (transcript_id, seq, role, content, reasoning,
				tool_call_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`, id, seq+1, m.Role, content, m.Reasoning,
				m.ToolCallID, at.UnixMilli()+int64(seq)); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkStore_Search searches 10,000 messages (2,000 transcripts) for a
// word in one message and for one in nearly all, showing the newest 20.
func BenchmarkStore_Search(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	seedMessages(b, s, 2000)
	for _, q := range []struct {
		query string
		want  int
	}{{"needle", 1}, {"store", 20}} {
		b.Run(q.query, func(b *testing.B) {
			for b.Loop() {
				hits, err := s.Search(ctx, q.query, 20)
				if err != nil || len(hits) != q.want {
					b.Fatalf("%d hits, %v; want %d", len(hits), err, q.want)
				}
			}
		})
	}
}
