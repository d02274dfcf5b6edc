package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestStore_AppendMessage(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.CreateTranscript(ctx, TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		{Role: "system", Content: "be brief"},
		{Role: "user", Content: "  first\n\nquestion  "},
		{Role: "assistant", Content: "answer", Reasoning: "think"},
		{Role: "user", Content: "second question"},
	}
	for _, m := range msgs {
		m.Seq = 99 // ignored
		if err := s.AppendMessage(ctx, id, m); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Title != "first question" {
		t.Errorf("title %q, want the first user message on one line", tr.Title)
	}
	if len(tr.Messages) != len(msgs) {
		t.Fatalf("%d messages, want %d", len(tr.Messages), len(msgs))
	}
	for i, m := range tr.Messages {
		if m.Seq != i+1 || m.Role != msgs[i].Role || m.Content != msgs[i].Content || m.Reasoning != msgs[i].Reasoning {
			t.Errorf("message %d = %+v, want seq %d and %+v", i, m, i+1, msgs[i])
		}
		if m.Created.IsZero() {
			t.Errorf("message %d has no time", i)
		}
	}
}

func TestStore_AppendMessage_errors(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.CreateTranscript(ctx, TranscriptMeta{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		id      string
		msg     Message
		wantErr error
		wantMsg string
	}{
		{"unknown transcript", "01aaaaaaaaaaaaaaaaaaaaaaaa", Message{Role: "user", Content: "x"}, ErrNotFound, "not found"},
		{"bad role", id, Message{Role: "robot"}, nil, `role "robot"`},
		{"tool calls not JSON", id, Message{Role: "assistant", ToolCalls: json.RawMessage("[{")}, nil, "tool calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.AppendMessage(ctx, tt.id, tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("error %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
	tr, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != 0 {
		t.Errorf("refused messages were stored: %+v", tr.Messages)
	}
}

func TestStore_CreateTranscript(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	parent, err := s.CreateTranscript(ctx, TranscriptMeta{Title: strings.Repeat("long title ", 30)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		meta    TranscriptMeta
		wantErr string
	}{
		{"continue", TranscriptMeta{ParentID: parent, Relation: RelationContinue}, ""},
		{"replay", TranscriptMeta{ParentID: parent, Relation: RelationReplay}, ""},
		{"unknown parent", TranscriptMeta{ParentID: "01aaaaaaaaaaaaaaaaaaaaaaaa", Relation: RelationReplay}, "not found"},
		{"relation without parent", TranscriptMeta{Relation: RelationReplay}, "go together"},
		{"bad relation", TranscriptMeta{ParentID: parent, Relation: "fork"}, `relation "fork"`},
		{"params not JSON", TranscriptMeta{Params: json.RawMessage("{")}, "params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := s.CreateTranscript(ctx, tt.meta)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tr, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if tr.ParentID != parent || tr.Relation != tt.meta.Relation || tr.Status != StatusRunning {
				t.Errorf("got parent %q relation %q status %q", tr.ParentID, tr.Relation, tr.Status)
			}
		})
	}
	tr, err := s.Get(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(tr.Title)); n != maxTitle || !strings.HasSuffix(tr.Title, "…") {
		t.Errorf("title of %d characters %q, want %d ending in …", n, tr.Title, maxTitle)
	}
}

func TestStore_FinishTranscript(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.CreateTranscript(ctx, TranscriptMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishTranscript(ctx, id, StatusInterrupted, ""); err == nil {
		t.Error("a writer may not finish as interrupted")
	}
	if err := s.FinishTranscript(ctx, "01aaaaaaaaaaaaaaaaaaaaaaaa", StatusDone, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if err := s.FinishTranscript(ctx, id, StatusError, "endpoint said no"); err != nil {
		t.Fatal(err)
	}
	tr, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != StatusError || tr.Error != "endpoint said no" {
		t.Errorf("status %q error %q", tr.Status, tr.Error)
	}
}

func TestStore_Delete(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	parent := richTranscript(t, s)
	child, err := s.CreateTranscript(ctx, TranscriptMeta{ParentID: parent, Relation: RelationContinue})
	if err != nil {
		t.Fatal(err)
	}
	unlinked, err := s.Delete(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if unlinked != 1 {
		t.Errorf("unlinked %d children, want 1", unlinked)
	}
	if _, err := s.Get(ctx, parent); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	tr, err := s.Get(ctx, child)
	if err != nil {
		t.Fatal(err)
	}
	if tr.ParentID != "" || tr.Relation != "" {
		t.Errorf("child still linked: %q %q", tr.ParentID, tr.Relation)
	}
	for _, table := range []string{"messages", "tool_executions", "completions"} {
		var n int
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE transcript_id = ?", parent).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d %s left behind", n, table)
		}
	}
	if _, err := s.Delete(ctx, parent); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
}
