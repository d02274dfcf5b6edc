package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// searchFixture records two transcripts: an older one with a prompt word,
// a reasoning phrase, a tool call's argument and a marker in a tool result,
// and a newer one that shares a word (loader) with it.
func searchFixture(t *testing.T, s *Store) (older, newer string) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	older, err := s.CreateTranscript(ctx, TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}
	calls := `[{"id":"call_x","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"docs/pelican.md\"}"}}]`
	must(t, s.AppendMessage(ctx, older, Message{Role: "user", Content: "Tell me about the marmalade loader", Created: start}))
	must(t, s.AppendMessage(ctx, older, Message{Role: "assistant", Reasoning: "First I will inspect the armadillo registry.",
		ToolCalls: json.RawMessage(calls), Created: start.Add(time.Second)}))
	must(t, s.RecordToolExecution(ctx, older, ToolExecution{Step: 1, CallID: "call_x", Tool: "read_file",
		Arguments: `{"path":"docs/pelican.md"}`, Result: "see TOKEN-9q8w7e here", Started: start.Add(2 * time.Second)}))
	must(t, s.AppendMessage(ctx, older, Message{Role: "tool", ToolCallID: "call_x", Content: "line one\nsee TOKEN-9q8w7e here",
		Created: start.Add(3 * time.Second)}))
	must(t, s.AppendMessage(ctx, older, Message{Role: "assistant", Content: "Done.", Created: start.Add(4 * time.Second)}))

	newer, err = s.CreateTranscript(ctx, TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.AppendMessage(ctx, newer, Message{Role: "user", Content: "Is the loader fast?", Created: start.Add(time.Hour)}))
	return older, newer
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// place is where a hit is, for comparing.
type place struct {
	transcript, kind, field, role, callID, tool string
	seq, step                                   int
}

func placeOf(h SearchHit) place {
	return place{h.TranscriptID, h.Kind, h.Field, h.Role, h.CallID, h.Tool, h.Seq, h.Step}
}

func TestStore_Search(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	older, newer := searchFixture(t, s)
	tests := []struct {
		name     string
		query    string
		want     []place
		wantMark string // a term that must appear between the marks of the first hit
	}{
		{name: "marker in a tool result", query: "TOKEN-9q8w7e",
			want:     []place{{older, HitMessage, "content", "tool", "call_x", "read_file", 3, 0}},
			wantMark: "TOKEN"},
		{name: "reasoning phrase", query: "armadillo registry",
			want:     []place{{older, HitMessage, "reasoning", "assistant", "", "", 2, 0}},
			wantMark: "armadillo"},
		{name: "prompt word", query: "marmalade",
			want:     []place{{older, HitMessage, "content", "user", "", "", 1, 0}},
			wantMark: "marmalade"},
		{name: "tool argument", query: "pelican",
			want:     []place{{older, HitToolCall, "arguments", "", "call_x", "read_file", 0, 1}},
			wantMark: "pelican"},
		{name: "newest first across transcripts", query: "loader",
			want: []place{{newer, HitMessage, "content", "user", "", "", 1, 0}, {older, HitMessage, "content", "user", "", "", 1, 0}}},
		{name: "prefix", query: "marma*",
			want: []place{{older, HitMessage, "content", "user", "", "", 1, 0}}},
		{name: "case and every word", query: "MARMALADE loader",
			want: []place{{older, HitMessage, "content", "user", "", "", 1, 0}}},
		{name: "no match", query: "wombat"},
		{name: "query syntax is plain text", query: `loader" OR NOT (x`},
		{name: "a minus is not NOT", query: "-loader fast",
			want: []place{{newer, HitMessage, "content", "user", "", "", 1, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.Search(ctx, tt.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []place
			for _, h := range hits {
				got = append(got, placeOf(h))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("hits %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("hit %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if tt.wantMark != "" && !strings.Contains(hits[0].MarkedSnippet("[", "]"), "["+tt.wantMark) {
				t.Errorf("snippet %q does not mark %q", hits[0].MarkedSnippet("[", "]"), tt.wantMark)
			}
		})
	}
}

func TestStore_Search_limitAndEmpty(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.CreateTranscript(ctx, TranscriptMeta{})
	must(t, err)
	for i := range 30 {
		must(t, s.AppendMessage(ctx, id, Message{Role: "user", Content: "echo number", Created: time.UnixMilli(int64(1000 + i))}))
	}
	hits, err := s.Search(ctx, "echo", 5)
	must(t, err)
	if len(hits) != 5 || hits[0].Seq != 30 || hits[4].Seq != 26 {
		t.Errorf("got %d hits starting at %d; want the 5 newest, 30 to 26", len(hits), hits[0].Seq)
	}
	if hits, _ := s.Search(ctx, "echo", 0); len(hits) != 20 {
		t.Errorf("default limit gave %d hits, want 20", len(hits))
	}
	for _, q := range []string{"", "  ", `"" * - ()`} {
		if _, err := s.Search(ctx, q, 5); !errors.Is(err, ErrEmptyQuery) {
			t.Errorf("Search(%q) error %v, want ErrEmptyQuery", q, err)
		}
	}
}

// The index follows deletes (ON DELETE CASCADE fires the triggers) and
// imports, and stays consistent with the tables.
func TestStore_Search_followsDeleteAndImport(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	older, _ := searchFixture(t, s)
	saved, err := s.Get(ctx, older)
	must(t, err)
	if _, err := s.Delete(ctx, older); err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)
	for _, q := range []string{"marmalade", "pelican", "armadillo"} {
		if hits, err := s.Search(ctx, q, 10); err != nil || len(hits) != 0 {
			t.Errorf("after delete, %q finds %+v, %v", q, hits, err)
		}
	}
	must(t, s.Import(ctx, saved))
	checkIndex(t, s)
	hits, err := s.Search(ctx, "TOKEN-9q8w7e", 10)
	if err != nil || len(hits) != 1 || hits[0].TranscriptID != older || hits[0].Seq != 3 {
		t.Errorf("after import: %+v, %v", hits, err)
	}
}

// checkIndex runs FTS4's integrity check on both indexes.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	for _, table := range []string{"messages_fts", "tool_executions_fts"} {
		if _, err := s.w.Exec("INSERT INTO " + table + "(" + table + ") VALUES ('integrity-check')"); err != nil {
			t.Errorf("%s: %v", table, err)
		}
	}
}

// A database written by the release before search (schema version 3) is
// indexed when it is opened, and found in the right places.
func TestStore_Search_migratedV3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	copyFile(t, v3Fixture, path)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkIndex(t, s)
	tests := []struct {
		query string
		want  []place
	}{
		{"xylophone42", []place{{v3Older, HitMessage, "content", "tool", "call_b", "read_file", 4, 0}}},
		{"consult the quokka manual", []place{{v3Older, HitMessage, "reasoning", "assistant", "", "", 2, 0}}},
		{"zanzibar", []place{
			{v3Older, HitMessage, "content", "tool", "call_a", "search_content", 3, 0},
			{v3Older, HitToolCall, "arguments", "", "call_a", "search_content", 0, 1},
			{v3Older, HitMessage, "content", "user", "", "", 1, 0},
		}},
		{"config", []place{
			{v3Newer, HitMessage, "content", "assistant", "", "", 2, 0},
			{v3Newer, HitMessage, "content", "user", "", "", 1, 0},
			{v3Older, HitMessage, "content", "user", "", "", 1, 0},
		}},
	}
	for _, tt := range tests {
		hits, err := s.Search(ctx, tt.query, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != len(tt.want) {
			t.Errorf("%q: %d hits %+v, want %+v", tt.query, len(hits), hits, tt.want)
			continue
		}
		for i, h := range hits {
			if placeOf(h) != tt.want[i] {
				t.Errorf("%q hit %d = %+v, want %+v", tt.query, i, placeOf(h), tt.want[i])
			}
		}
	}
	// New writes are indexed too.
	must(t, s.AppendMessage(ctx, v3Newer, Message{Role: "user", Content: "and the narwhal?"}))
	if hits, err := s.Search(ctx, "narwhal", 10); err != nil || len(hits) != 1 || hits[0].Seq != 3 {
		t.Errorf("new message: %+v, %v", hits, err)
	}
}

func TestMatchExpr(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "words", in: "foo bar", want: `"foo" "bar"`},
		{name: "prefix", in: "foo*", want: `"foo*"`},
		{name: "quotes dropped", in: `"foo bar"`, want: `" foo" "bar "`},
		{name: "operators are words", in: "a OR NOT b", want: `"a" "OR" "NOT" "b"`},
		{name: "punctuation kept inside", in: "store/store.go -x", want: `"store/store.go" "-x"`},
		{name: "punctuation only skipped", in: "- * ()  foo", want: `"foo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matchExpr(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("matchExpr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
