package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
)

// In ask and chat the sqlite toolkit and the store share one process, and
// SQLite's hard heap limit is the process's. A toolkit statement that holds
// the heap up to the limit must not cost the transcript a write: the write
// waits for the memory (SetHeapWait) and lands; without a wait it fails at
// once, and a wait that passes ends in the error. The limit cannot be raised
// again once lowered, so this runs in a child process.
func TestStore_WriteWaitsForTheSharedHeap(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	out := runChild(t, "nomem", db)
	for _, want := range []string{"heap full", "bounded wait gave up", "write waiting", "write landed"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
	s := openAt(t, db)
	list, err := s.List(context.Background(), 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("%d transcripts, %v; want the one written while the heap was full", len(list), err)
	}
	tr, err := s.Get(context.Background(), list[0].ID)
	if err != nil || len(tr.Messages) != 1 || tr.Messages[0].Content != "written while the heap was full" {
		t.Errorf("transcript %+v, %v; want its one message", tr, err)
	}
}

// runChild runs the test binary's TestHelperProcess in mode on db and
// returns what it printed; it fails t when the child does.
func runChild(t *testing.T, mode, db string) []byte {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDB+"="+db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	return out
}

// helperNomem fills SQLite's heap, under a 32 MiB limit, with another
// connection's temporary table (as a toolkit sort would), tries writes with
// no wait and a short one, then starts a write with a long wait, checks it is
// still waiting 300 ms later, frees the heap, and checks the write landed.
func helperNomem(path string) error {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	hog, err := sql.Open("sqlite3", "file:"+path+".hog")
	if err != nil {
		return err
	}
	hog.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA hard_heap_limit = 33554432", "PRAGMA temp_store = MEMORY",
		"CREATE TEMP TABLE big AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT 25000) SELECT randomblob(1000) AS b FROM c"} {
		if _, err := hog.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	full := false
	for range 200_000 {
		if _, err := hog.ExecContext(ctx, "INSERT INTO big SELECT randomblob(200)"); err != nil {
			full = sqliteCode(err) != 0
			break
		}
	}
	if !full {
		return errors.New("the heap never filled")
	}
	fmt.Println("heap full")
	// Without a wait (no toolkit in the process) the write fails at once.
	if _, err := s.CreateTranscript(ctx, TranscriptMeta{}); sqliteCode(err) != sqlite3.ErrNomem {
		return fmt.Errorf("without a heap wait: %v, want out of memory", err)
	}
	// With one, it gives up once the wait has passed: a write too big for
	// the limit is not retried for ever.
	s.SetHeapWait(400 * time.Millisecond)
	start := time.Now()
	if _, err := s.CreateTranscript(ctx, TranscriptMeta{}); sqliteCode(err) != sqlite3.ErrNomem {
		return fmt.Errorf("with a 400 ms heap wait: %v, want out of memory", err)
	}
	if waited := time.Since(start); waited < 400*time.Millisecond {
		return fmt.Errorf("gave up after %v, before the 400 ms wait", waited)
	}
	fmt.Println("bounded wait gave up")
	s.SetHeapWait(time.Minute)
	done := make(chan error, 1)
	go func() {
		id, err := s.CreateTranscript(ctx, TranscriptMeta{Title: "under pressure"})
		if err == nil {
			err = s.AppendMessage(ctx, id, Message{Role: "user", Content: "written while the heap was full"})
		}
		done <- err
	}()
	select {
	case err := <-done:
		return fmt.Errorf("the write did not meet a full heap (it returned %v at once)", err)
	case <-time.After(300 * time.Millisecond):
	}
	fmt.Println("write waiting")
	if err := hog.Close(); err != nil { // the statement ends: its memory is freed
		return err
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the write failed after the heap was freed: %w", err)
		}
	case <-time.After(time.Minute):
		return errors.New("the write never landed")
	}
	fmt.Println("write landed")
	return nil
}

// A message of 16 MB of distinct words (the largest piped prompt) is recorded
// under the heap limit the sqlite toolkit sets by default, because only its
// first 100,000 characters are indexed (it failed with "out of memory"
// before); search finds words there and not past it.
func TestStore_BigMessageIndexedWithinTheHeap(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	runChild(t, "bigmsg", db)
	s := openAt(t, db)
	checkIndex(t, s)
	ctx := context.Background()
	for word, want := range map[string]int{"w00000007x": 1, "w00009000x": 1, "w00900000x": 0} {
		hits, err := s.Search(ctx, word, 10)
		if err != nil || len(hits) != want {
			t.Errorf("search %s: %d hits, %v; want %d", word, len(hits), err, want)
		}
	}
	list, _ := s.List(ctx, 0)
	tr, err := s.Get(ctx, list[0].ID)
	if err != nil || len(tr.Messages) != 1 || len(tr.Messages[0].Content) != bigMessageWords*11 {
		t.Errorf("the stored message is not whole: %v", err)
	}
}

const bigMessageWords = 1_450_000 // 16 MB, the most ask reads from stdin: "w%08dx " each

func helperBigMessage(path string) error {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	limit, err := sql.Open("sqlite3", "file:"+path+".limit")
	if err != nil {
		return err
	}
	defer limit.Close()
	// The sqlite toolkit's default limit (the process has one).
	if _, err := limit.ExecContext(ctx, "PRAGMA hard_heap_limit = 100663296"); err != nil {
		return err
	}
	var b strings.Builder
	b.Grow(bigMessageWords * 11)
	for i := range bigMessageWords {
		fmt.Fprintf(&b, "w%08dx ", i)
	}
	id, err := s.CreateTranscript(ctx, TranscriptMeta{Title: "a big paste"})
	if err != nil {
		return err
	}
	return s.AppendMessage(ctx, id, Message{Role: "user", Content: b.String()})
}
