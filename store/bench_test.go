package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchMessages is a realistic rotation: a prompt, an assistant turn with
// reasoning and two tool calls, two tool results, and an answer.
var benchMessages = []Message{
	{Role: "user", Content: strings.Repeat("Which files mention the store? ", 10)},
	{Role: "assistant", Reasoning: strings.Repeat("I will search the tree. ", 20), ToolCalls: json.RawMessage(
		`[{"id":"call_1","type":"function","function":{"name":"search_content","arguments":"{\"query\":\"store\"}"}},` +
			`{"id":"call_2","type":"function","function":{"name":"find_files","arguments":"{\"pattern\":\"*.go\"}"}}]`)},
	{Role: "tool", ToolCallID: "call_1", Content: strings.Repeat(`{"path":"store/store.go","line":12,"text":"package store"},`, 60)},
	{Role: "tool", ToolCallID: "call_2", Content: strings.Repeat(`"store/read.go",`, 100)},
	{Role: "assistant", Content: strings.Repeat("The store is in store/. ", 30)},
}

// BenchmarkStore_AppendMessage measures one committed append, reporting the
// median and 99th percentile of the individual calls.
func BenchmarkStore_AppendMessage(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	id, err := s.CreateTranscript(ctx, TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := s.AppendMessage(ctx, id, benchMessages[i%len(benchMessages)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "max-µs")
}

// BenchmarkStore_List10000 lists all of 10,000 transcripts, each with two
// completions, with their step counts and token totals.
func BenchmarkStore_List10000(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	seedTranscripts(b, s, 10000)
	for b.Loop() {
		list, err := s.List(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != 10000 || list[0].Steps != 2 {
			b.Fatalf("%d transcripts, %d steps", len(list), list[0].Steps)
		}
	}
}

// BenchmarkStore_List20of10000 is the default `transcripts list`.
func BenchmarkStore_List20of10000(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	seedTranscripts(b, s, 10000)
	for b.Loop() {
		if _, err := s.List(ctx, 20); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStore_Get1000 reads a transcript of 1,000 messages with its 400
// tool executions and 400 completions.
func BenchmarkStore_Get1000(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	id := seedLong(b, s, 1000)
	for b.Loop() {
		tr, err := s.Get(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if len(tr.Messages) != 1000 {
			b.Fatalf("%d messages", len(tr.Messages))
		}
	}
}

// seedTranscripts writes n finished transcripts in one transaction.
func seedTranscripts(b testing.TB, s *Store, n int) {
	b.Helper()
	seedPast(b, s, n, func(ctx context.Context, tx *sql.Tx, i int, id string, at time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO transcripts (id, title, created_ms, updated_ms, status,
			provider, base_url, model) VALUES (?, ?, ?, ?, 'done', 'zai', 'https://api.z.ai/api/paas/v4', 'glm-4.7')`,
			id, fmt.Sprintf("question number %d about the files in this project", i), at.UnixMilli(), at.UnixMilli()); err != nil {
			return err
		}
		for step := 1; step <= 2; step++ {
			c := Completion{Step: step, Started: at, RequestBody: []byte(`{"model":"glm-4.7"}`), HTTPStatus: 200,
				Usage: Usage{PromptTokens: 900, CompletionTokens: 100, TotalTokens: 1000}}
			if err := insertCompletion(ctx, tx, id, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// seedPast runs write for n transcripts, one a minute up to now, in one
// transaction, with ids that carry those past times (whatever the process's
// generator gave before).
func seedPast(b testing.TB, s *Store, n int, write func(ctx context.Context, tx *sql.Tx, i int, id string, at time.Time) error) {
	b.Helper()
	ctx := context.Background()
	base := time.Now().Add(-time.Duration(n) * time.Minute)
	var ids idGen
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i := range n {
			at := base.Add(time.Duration(i) * time.Minute)
			if err := write(ctx, tx, i, ids.next(at), at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// seedLong records a transcript of n messages through the public write path.
func seedLong(b testing.TB, s *Store, n int) string {
	b.Helper()
	ctx := context.Background()
	id, err := s.CreateTranscript(ctx, TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		m := benchMessages[i%len(benchMessages)]
		if err := s.AppendMessage(ctx, id, m); err != nil {
			b.Fatal(err)
		}
		switch m.Role {
		case "tool":
			err = s.RecordToolExecution(ctx, id, ToolExecution{CallID: m.ToolCallID, Tool: "search_content",
				Arguments: `{"query":"store"}`, Result: m.Content, Duration: time.Millisecond})
		case "assistant":
			err = s.RecordCompletion(ctx, id, Completion{Step: i, RequestBody: []byte(strings.Repeat(`{"role":"user"},`, 200)),
				ResponseBody: []byte(`{"id":"x"}`), HTTPStatus: 200, Usage: Usage{TotalTokens: 1000}})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return id
}
