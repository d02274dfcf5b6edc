package conversation

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// fakeModel answers each request with the next of its replies (an error, or
// a text answer), and keeps the requests.
type fakeModel struct {
	replies []any
	reqs    []glm.Request
}

func (f *fakeModel) Complete(_ context.Context, req glm.Request, _ func(glm.Event)) (*glm.Response, error) {
	f.reqs = append(f.reqs, req)
	r := f.replies[0]
	f.replies = f.replies[1:]
	if err, ok := r.(error); ok {
		return nil, err
	}
	return &glm.Response{Choices: []glm.Choice{{Message: glm.Message{Role: glm.RoleAssistant, Content: r.(string)}, FinishReason: "stop"}},
		Usage: &glm.Usage{PromptTokens: 10, CompletionTokens: 2, TotalTokens: 12}}, nil
}

func (f *fakeModel) Encode(req glm.Request) ([]byte, error) { return []byte(`{}`), nil }
func (f *fakeModel) Profile() glm.Profile                   { return glm.Profile{Name: "fake"} }

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestConversation_FailedTurnThenAnother: a prompt that got no answer is
// asked again with the next one, once, and the transcript keeps each prompt
// once, so that continuing it sends the same conversation.
func TestConversation_FailedTurnThenAnother(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	model := &fakeModel{replies: []any{errors.New("endpoint down"), "both answered"}}
	cat, err := bridge.NewCatalog(nil, bridge.CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := bridge.Runner{Model: model, Catalog: cat, Template: glm.Request{Model: "glm-4.7"}}
	c, err := Start(ctx, Options{Store: st, Meta: store.TranscriptMeta{Provider: "fake", Model: "glm-4.7"}, System: "be brief"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Turn(ctx, r, "first"); err == nil {
		t.Fatal("the first turn should fail")
	}
	if _, err := c.Turn(ctx, r, "second"); err != nil {
		t.Fatal(err)
	}
	sent := model.reqs[1].Messages
	if len(sent) != 2 || sent[1].Content != "first\n\nsecond" {
		t.Fatalf("the second request should ask both at once: %+v", sent)
	}
	if err := c.Finish(ctx, nil); err != nil {
		t.Fatal(err)
	}
	tr, err := st.Get(ctx, c.ID())
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, m := range tr.Messages {
		if m.Role == glm.RoleUser {
			users = append(users, m.Content)
		}
	}
	if len(users) != 2 || users[0] != "first" || users[1] != "second" {
		t.Errorf("the transcript should keep each prompt once: %q", users)
	}
	again, err := WireMessages(tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 3 || again[1].Content != "first\n\nsecond" || again[2].Content != "both answered" {
		t.Errorf("continuing should send what was sent: %+v", again)
	}
	if tr.Status != store.StatusDone || c.Turns() != 2 || c.Usage().TotalTokens != 12 {
		t.Errorf("status %s, turns %d, usage %+v", tr.Status, c.Turns(), c.Usage())
	}
}

// TestConversation_MarkCancelled: a cancelled turn's partial answer gets a
// note, recorded once, and the next turn carries it.
func TestConversation_MarkCancelled(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c, err := Start(ctx, Options{Store: st, Meta: store.TranscriptMeta{Provider: "fake", Model: "glm-4.7"}})
	if err != nil {
		t.Fatal(err)
	}
	c.msgs = append(c.msgs, glm.Message{Role: glm.RoleUser, Content: "tell me"}, glm.Message{Role: glm.RoleAssistant, Content: "once upon"})
	if err := c.MarkCancelled(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Messages()[1].Content; got != "once upon\n\n"+cancelNote {
		t.Errorf("in memory: %q", got)
	}
	tr, err := st.Get(ctx, c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Messages); n != 1 || tr.Messages[0].Content != cancelNote {
		t.Errorf("the note should be recorded once: %+v", tr.Messages)
	}
	if Status(context.Canceled) != store.StatusCancelled || ErrorText(context.Canceled) == context.Canceled.Error() {
		t.Error("a cancel should read as one, in words")
	}
}

// TestConversation_PromptTooLong: a prompt far over the window is not sent
// and leaves the conversation, so the next turn is not too long as well;
// the transcript keeps it with a note, and continuing it leaves both out.
func TestConversation_PromptTooLong(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	model := &fakeModel{replies: []any{"fine"}}
	cat, err := bridge.NewCatalog(nil, bridge.CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := bridge.Runner{Model: model, Catalog: cat, Template: glm.Request{Model: "glm-4.7"}, ContextWindow: 2000}
	c, err := Start(ctx, Options{Store: st, Meta: store.TranscriptMeta{Provider: "fake", Model: "glm-4.7"}})
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("many words of a pasted file ", 2000)
	_, err = c.Turn(ctx, r, huge)
	var tl *bridge.TooLongError
	if !errors.As(err, &tl) || len(model.reqs) != 0 {
		t.Fatalf("err %v after %d requests; want a TooLongError and none", err, len(model.reqs))
	}
	if !c.PromptLeftOut() {
		t.Errorf("PromptLeftOut is false after a prompt too long to send")
	}
	if _, err := c.Turn(ctx, r, "a short question"); err != nil {
		t.Fatalf("the next turn: %v", err)
	}
	if c.PromptLeftOut() {
		t.Errorf("PromptLeftOut still true after a turn that went through")
	}
	if sent := model.reqs[0].Messages; len(sent) != 1 || sent[0].Content != "a short question" {
		t.Errorf("the next request carried the unsent prompt: %d messages", len(sent))
	}
	if err := c.Finish(ctx, nil); err != nil {
		t.Fatal(err)
	}
	tr, err := st.Get(ctx, c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Messages); n != 4 || tr.Messages[0].Content != huge || tr.Messages[1].Content != unsentNote {
		t.Fatalf("the transcript should keep the prompt and the note: %d messages", n)
	}
	again, err := WireMessages(tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[0].Content != "a short question" || again[1].Content != "fine" {
		t.Errorf("continuing should leave the unsent prompt out: %+v", again)
	}
}

// TestConversation_PromptRefusedAsTooLong: a prompt the endpoint refuses as
// too long (code 1261, after the loop's one retry) also leaves the
// conversation, so the next turn does not carry it and fail the same way.
func TestConversation_PromptRefusedAsTooLong(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	exceeded := &glm.APIError{Status: 400, Code: "1261", Message: "Prompt exceeds max length", Kind: glm.KindContextTooLong}
	model := &fakeModel{replies: []any{exceeded, "fine"}} // nothing to elide: no retry
	cat, err := bridge.NewCatalog(nil, bridge.CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := bridge.Runner{Model: model, Catalog: cat, Template: glm.Request{Model: "glm-4.7"}}
	c, err := Start(ctx, Options{Store: st, Meta: store.TranscriptMeta{Provider: "fake", Model: "glm-4.7"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Turn(ctx, r, "a prompt the endpoint finds too long"); !glm.IsContextExceeded(err) {
		t.Fatalf("err %v, want the endpoint's context error", err)
	}
	if _, err := c.Turn(ctx, r, "a short question"); err != nil {
		t.Fatalf("the next turn: %v", err)
	}
	last := model.reqs[len(model.reqs)-1].Messages
	if len(last) != 1 || last[0].Content != "a short question" {
		t.Errorf("the next request carried the refused prompt: %+v", last)
	}
}
