package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestStore_interruptedAfterClose(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	writer, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	running, err := writer.CreateTranscript(ctx, TranscriptMeta{Title: "running"})
	if err != nil {
		t.Fatal(err)
	}
	finished, err := writer.CreateTranscript(ctx, TranscriptMeta{Title: "finished"})
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.FinishTranscript(ctx, finished, StatusCancelled, ""); err != nil {
		t.Fatal(err)
	}
	reader := openAt(t, path)
	want := map[string]string{running: StatusRunning, finished: StatusCancelled}
	checkStatuses(t, reader, want)

	lockDir := writersDir(path)
	if entries, _ := os.ReadDir(lockDir); len(entries) != 1 {
		t.Fatalf("writer locks: %v, want one", entries)
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	want[running] = StatusInterrupted
	checkStatuses(t, reader, want)
	if entries, _ := os.ReadDir(lockDir); len(entries) != 0 {
		t.Errorf("writer locks left after Close: %v", entries)
	}
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkStatuses checks both List and Get show the wanted statuses.
func checkStatuses(t *testing.T, s *Store, want map[string]string) {
	t.Helper()
	list, err := s.List(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range list {
		tr, err := s.Get(context.Background(), sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Status != want[sum.ID] || tr.Status != want[sum.ID] {
			t.Errorf("%s (%s): List says %s, Get %s; want %s", sum.ID, sum.Title, sum.Status, tr.Status, want[sum.ID])
		}
	}
}

func TestLiveness_status(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	w, err := claimWriter(db)
	if err != nil {
		t.Fatal(err)
	}
	defer w.release()
	stale := filepath.Join(writersDir(db), "0123456789abcdef01234567")
	if err := os.WriteFile(stale, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stored, token, want string
	}{
		{"live writer", StatusRunning, w.token, StatusRunning},
		{"unlocked file", StatusRunning, "0123456789abcdef01234567", StatusInterrupted},
		{"no file", StatusRunning, "ffffffffffffffffffffffff", StatusInterrupted},
		{"no writer recorded", StatusRunning, "", StatusInterrupted},
		{"token is a path", StatusRunning, "../../etc/passwd", StatusInterrupted},
		{"finished", StatusDone, "", StatusDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newLiveness(db).status(tt.stored, tt.token); got != tt.want {
				t.Errorf("status(%q, %q) = %q, want %q", tt.stored, tt.token, got, tt.want)
			}
		})
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a dead writer's lock file was left: %v", err)
	}
}

// Two Stores in one process, each with goroutines, write one transcript.
func TestStore_concurrentGoroutines(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	a, b := openAt(t, path), openAt(t, path)
	id, err := a.CreateTranscript(ctx, TranscriptMeta{})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*each)
	for w := range workers {
		s := []*Store{a, b}[w%2]
		wg.Go(func() {
			for i := range each {
				errs <- s.RecordToolExecution(ctx, id, ToolExecution{CallID: fmt.Sprint(w, i), Tool: "t"})
				errs <- s.AppendMessage(ctx, id, Message{Role: "tool", ToolCallID: fmt.Sprint(w, i)})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	tr, err := b.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != workers*each || len(tr.ToolExecutions) != workers*each {
		t.Fatalf("%d messages, %d executions; want %d each", len(tr.Messages), len(tr.ToolExecutions), workers*each)
	}
	for i, m := range tr.Messages {
		if m.Seq != i+1 {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
}
