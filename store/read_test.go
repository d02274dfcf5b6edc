package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// importIDs stores empty finished transcripts with the given ids, the
// first oldest.
func importIDs(t *testing.T, s *Store, ids ...string) {
	t.Helper()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range ids {
		at := base.Add(time.Duration(i) * time.Hour)
		tr := &Transcript{Summary: Summary{ID: id, Title: "title " + id, Created: at, Updated: at, Status: StatusDone}}
		if err := s.Import(context.Background(), tr); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStore_Resolve(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.Resolve(ctx, "last"); !errors.Is(err, ErrNotFound) {
		t.Errorf("last in an empty store: %v, want ErrNotFound", err)
	}
	ids := []string{
		"01jaaaaaaaaaaaaaaaaaaaaaaa",
		"01jaabaaaaaaaaaaaaaaaaaaaa",
		"01jaabbaaaaaaaaaaaaaaaaaaa",
		"01jb0000000000000000000000",
	}
	importIDs(t, s, ids...)
	tests := []struct {
		name     string
		ref      string
		want     string
		wantErr  error
		wantMsgs []string
	}{
		{name: "full id", ref: ids[1], want: ids[1]},
		{name: "unique prefix", ref: "01jaaa", want: ids[0]},
		{name: "upper case and spaces", ref: " 01JAABB ", want: ids[2]},
		{name: "look-alike letters", ref: "OIJB", want: ids[3]},
		{name: "last", ref: "last", want: ids[3]},
		{name: "LAST", ref: "LAST", want: ids[3]},
		{name: "ambiguous", ref: "01jaa", wantErr: ErrAmbiguous,
			wantMsgs: []string{`"01jaa" is ambiguous`, ids[0], ids[1], ids[2], "title " + ids[0]}},
		{name: "unknown lists the newest", ref: "01jc", wantErr: ErrNotFound,
			wantMsgs: []string{`no transcript matches "01jc"`, ids[3], ids[0]}},
		{name: "not an id", ref: "what?", wantErr: ErrNotFound, wantMsgs: []string{`no transcript matches "what?"`}},
		{name: "too long", ref: ids[0] + "0", wantErr: ErrNotFound},
		{name: "empty", ref: "", wantErr: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Resolve(ctx, tt.ref)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("Resolve(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve(%q) error %v, want %v", tt.ref, err, tt.wantErr)
			}
			for _, m := range tt.wantMsgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
	// The ambiguous error excludes what does not match.
	_, err := s.Resolve(ctx, "01jaab")
	var re *RefError
	if !errors.As(err, &re) || len(re.Candidates) != 2 || strings.Contains(err.Error(), ids[0]) {
		t.Errorf("Resolve(01jaab) = %v, want exactly %s and %s", err, ids[1], ids[2])
	}
}

func TestStore_Resolve_manyCandidates(t *testing.T) {
	s := openTest(t)
	var ids []string
	for i := range maxCandidates + 3 {
		ids = append(ids, fmt.Sprintf("01jaaaaaaaaaaaaaaaaaaaaa%02d", i))
	}
	importIDs(t, s, ids...)
	_, err := s.Resolve(context.Background(), "01j")
	var re *RefError
	if !errors.As(err, &re) || len(re.Candidates) != maxCandidates || !re.More || !strings.HasSuffix(err.Error(), "…") {
		t.Errorf("error %v: want %d candidates and a mark that there are more", err, maxCandidates)
	}
}

func TestStore_List(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rich := richTranscript(t, s)
	empty, err := s.CreateTranscript(ctx, TranscriptMeta{Title: "second", Provider: "bigmodel", Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != empty || list[1].ID != rich {
		t.Fatalf("List = %+v, want %s then %s", list, empty, rich)
	}
	r := list[1]
	wantUsage := Usage{PromptTokens: 300, CompletionTokens: 50, TotalTokens: 350, ReasoningTokens: 25, CachedTokens: 10}
	if r.Steps != 2 || r.Usage != wantUsage || r.Status != StatusDone || r.Model != "glm-4.7" || r.Provider != "zai" ||
		r.Title != "What is in a.txt and which Go files are there?" {
		t.Errorf("rich summary = %+v", r)
	}
	if e := list[0]; e.Steps != 0 || e.Usage != (Usage{}) || e.Status != StatusRunning || e.Title != "second" {
		t.Errorf("empty summary = %+v", e)
	}
	tr, err := s.Get(ctx, rich)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Summary != r {
		t.Errorf("Get's summary %+v differs from List's %+v", tr.Summary, r)
	}
	limited, err := s.List(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 1 || limited[0].ID != empty {
		t.Errorf("List(1) = %+v", limited)
	}
	latest, err := s.Latest(ctx)
	if err != nil || latest != empty {
		t.Errorf("Latest = %q, %v; want %q", latest, err, empty)
	}
}

func TestStore_Get(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id := richTranscript(t, s)
	tr, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if string(tr.Params) != `{"temperature":0.2,"stream":true}` {
		t.Errorf("params %s, want them compacted", tr.Params)
	}
	if tr.BaseURL != "https://api.z.ai/api/paas/v4" || string(tr.ToolConfig) != `{"roots":["/tmp/x"],"toolkits":["files"]}` {
		t.Errorf("base URL %q, tool config %s", tr.BaseURL, tr.ToolConfig)
	}
	if len(tr.Messages) != 6 || len(tr.ToolExecutions) != 2 || len(tr.Completions) != 3 {
		t.Fatalf("%d messages, %d tool executions, %d completions", len(tr.Messages), len(tr.ToolExecutions), len(tr.Completions))
	}
	a := tr.Messages[2]
	if a.Role != "assistant" || a.Content != "" || a.Reasoning != "I should read the file\nand search." ||
		!strings.Contains(string(a.ToolCalls), `"call_2"`) {
		t.Errorf("assistant message = %+v", a)
	}
	if m := tr.Messages[3]; m.Role != "tool" || m.ToolCallID != "call_1" {
		t.Errorf("tool message = %+v", m)
	}
	e := tr.ToolExecutions[1]
	if e.CallID != "call_1" || !e.IsError || e.Duration != 56*time.Microsecond || e.Server != "glm-mcp" ||
		!e.Started.Equal(time.Date(2025, 3, 1, 12, 0, 2, 0, time.UTC)) {
		t.Errorf("tool execution = %+v", e)
	}
	c := tr.Completions[0]
	if c.HTTPStatus != 503 || c.Error != "503 Service Unavailable" || string(c.ResponseBody) != "upstream connect error" ||
		c.Latency != 1500*time.Microsecond {
		t.Errorf("completion = %+v", c)
	}
	if _, err := s.Get(ctx, "01aaaaaaaaaaaaaaaaaaaaaaaa"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}
