// Package conversation owns a conversation's life: it starts or continues a
// transcript, puts each prompt through the tool loop (bridge.Runner), records
// what goes in and comes out, adds up usage, and finishes the transcript.
// `ask`, `chat` and `replay --live` all go through it, and it holds the one
// conversion between stored and wire messages (WireMessages), which export
// uses too.
//
// It imports bridge, bridge/glm and store; bridge and store still know
// nothing of each other: the Recorder the loop calls is defined here, over
// the store.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// Conversation is one transcript being written: the messages sent so far,
// the usage and steps of every turn. It is not safe for concurrent turns.
type Conversation struct {
	st    *store.Store // nil: nothing is kept
	id    string
	meta  store.TranscriptMeta
	msgs  []glm.Message
	usage glm.Usage
	steps int
	turns int
	// lastPrompt is the prompt_tokens of the newest completion: how full
	// the model's window was at the last request.
	lastPrompt int
	// scale is what the loop learnt of the endpoint's token counts, carried
	// from one turn to the next.
	scale float64
	// leftOut: the last turn's prompt was too long and left out.
	leftOut bool
}

// Options start a conversation.
type Options struct {
	// Store keeps the transcript; nil keeps nothing.
	Store *store.Store
	// Meta describes the new transcript (provider, model, parameters, tool
	// configuration, parent and relation).
	Meta store.TranscriptMeta
	// System is the system prompt; empty keeps the one of Prior, if any.
	System string
	// Prior is the conversation being continued, in wire form (see WireMessages).
	Prior []glm.Message
}

// Start begins a conversation: it creates the transcript and records the
// messages that open it (the system prompt and any prior conversation).
func Start(ctx context.Context, opts Options) (*Conversation, error) {
	c := &Conversation{st: opts.Store, meta: opts.Meta, msgs: withSystem(opts.Prior, opts.System)}
	if c.st == nil {
		return c, nil
	}
	id, err := c.st.CreateTranscript(ctx, opts.Meta)
	if err != nil {
		return nil, err
	}
	c.id = id
	for _, m := range c.msgs {
		if err := c.record(ctx, m); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// withSystem puts system first: a new system prompt replaces the old one.
func withSystem(prior []glm.Message, system string) []glm.Message {
	out := make([]glm.Message, 0, len(prior)+1)
	if system != "" {
		out = append(out, glm.Message{Role: glm.RoleSystem, Content: system})
		if len(prior) > 0 && prior[0].Role == glm.RoleSystem {
			prior = prior[1:]
		}
	}
	return append(out, prior...)
}

// ID is the transcript's id; empty when nothing is kept.
func (c *Conversation) ID() string { return c.id }

// Messages returns a copy of the conversation as it would be sent next.
func (c *Conversation) Messages() []glm.Message { return append([]glm.Message(nil), c.msgs...) }

// Usage is the tokens of every completion of the conversation so far.
func (c *Conversation) Usage() glm.Usage { return c.usage }

// Steps is the number of completion calls made so far.
func (c *Conversation) Steps() int { return c.steps }

// Turns is the number of prompts put so far.
func (c *Conversation) Turns() int { return c.turns }

// LastPromptTokens is the prompt size of the newest request, as the
// endpoint counted it (0 before the first answer).
func (c *Conversation) LastPromptTokens() int { return c.lastPrompt }

// PromptLeftOut reports whether the last turn's prompt made the
// conversation too long for the model's window and was left out of it.
func (c *Conversation) PromptLeftOut() bool { return c.leftOut }

// SetSystem replaces the system prompt for the turns that follow.
func (c *Conversation) SetSystem(ctx context.Context, system string) error {
	c.msgs = withSystem(c.msgs, system)
	if system == "" {
		return nil
	}
	return c.record(ctx, c.msgs[0])
}

// Turn puts one prompt through the loop. r is used as a template: the
// conversation sets its Recorder (and wraps its Observer to count usage); r
// itself is not changed. The Result is valid whatever the error.
func (c *Conversation) Turn(ctx context.Context, r bridge.Runner, prompt string) (*bridge.Result, error) {
	c.leftOut = false
	user := glm.Message{Role: glm.RoleUser, Content: prompt}
	sent := user
	if n := len(c.msgs); n > 0 && c.msgs[n-1].Role == glm.RoleUser {
		// The last prompt got no answer (the turn failed): ask both at once
		// rather than send two user turns in a row, which GLM refuses. The
		// transcript keeps the two prompts as they were put (WireMessages
		// joins them the same way).
		sent.Content = joinText(c.msgs[n-1].Content, prompt)
		c.msgs = c.msgs[:n-1]
	}
	c.msgs = append(c.msgs, sent)
	c.turns++
	if err := c.record(ctx, user); err != nil {
		return &bridge.Result{Messages: c.Messages()}, err
	}
	if c.st != nil {
		r.Recorder = &recorder{st: c.st, id: c.id, offset: c.steps}
	}
	observe := r.Observer
	r.Observer = func(ev bridge.Event) {
		if ev.Kind == bridge.EventUsage && ev.Usage.PromptTokens > 0 {
			c.lastPrompt = ev.Usage.PromptTokens
		}
		if observe != nil {
			observe(ev)
		}
	}
	if c.scale > r.TokenScale {
		r.TokenScale = c.scale
	}
	res, err := r.Run(ctx, c.msgs)
	if res == nil {
		res = &bridge.Result{Messages: c.Messages()}
	}
	c.msgs = append([]glm.Message(nil), res.Messages...)
	var tooLong *bridge.TooLongError
	if errors.As(err, &tooLong) || glm.IsContextExceeded(err) {
		// Too long for the window (refused before sending, or by the
		// endpoint), and it would make every later turn too long as well:
		// the prompt leaves the conversation, and the transcript says so
		// after it (WireMessages leaves both out). A turn that got as far as
		// an answer or a tool round ends otherwise and keeps its prompt.
		if n := len(c.msgs); n > 0 && c.msgs[n-1].Role == glm.RoleUser {
			c.msgs = c.msgs[:n-1]
			c.leftOut = true
			if rerr := c.record(ctx, glm.Message{Role: glm.RoleAssistant, Content: unsentNote}); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
	}
	c.scale = max(c.scale, res.TokenScale)
	c.usage = c.usage.Plus(res.Usage)
	c.steps += res.Steps
	return res, err
}

// unsentNote follows, in the transcript, the prompt (or prompts, when an
// unanswered one was asked again with it) that made the conversation too
// long for the model's window, and that the conversation left out.
const unsentNote = "[the prompt above made the conversation too long for the model's window; it was left out]"

// cancelNote is the answer recorded for a turn the user cancelled, so that
// the conversation can go on (GLM refuses two user turns in a row) and the
// transcript shows where the turn stopped.
const cancelNote = "[this turn was cancelled by the user before it finished]"

// MarkCancelled closes a turn the user cancelled with a short note, recorded
// like any message, so that the transcript shows where the turn stopped and
// the model, next turn, knows its answer was cut. A partial answer keeps
// its text; the note follows it (WireMessages joins the two).
func (c *Conversation) MarkCancelled(ctx context.Context) error {
	n := len(c.msgs)
	if n == 0 {
		return nil
	}
	note := glm.Message{Role: glm.RoleAssistant, Content: cancelNote}
	if last := &c.msgs[n-1]; last.Role == glm.RoleAssistant && len(last.ToolCalls) == 0 {
		last.Content = joinText(last.Content, cancelNote)
	} else {
		c.msgs = append(c.msgs, note)
	}
	return c.record(context.WithoutCancel(ctx), note)
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n\n" + b
}

// Replace swaps the conversation sent from now on (after a compaction); the
// transcript keeps everything it recorded.
func (c *Conversation) Replace(msgs []glm.Message) { c.msgs = append([]glm.Message(nil), msgs...) }

// Finish records the conversation's outcome. It runs even when ctx is
// cancelled, so a Ctrl-C still leaves the status right.
func (c *Conversation) Finish(ctx context.Context, runErr error) error {
	if c.st == nil {
		return nil
	}
	msg := ""
	if runErr != nil {
		msg = ErrorText(runErr)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return c.st.FinishTranscript(ctx, c.id, Status(runErr), msg)
}

func (c *Conversation) record(ctx context.Context, m glm.Message) error {
	if c.st == nil {
		return nil
	}
	return (&recorder{st: c.st, id: c.id}).RecordMessage(ctx, m)
}

// Status maps a turn's error to a transcript status.
func Status(err error) string {
	switch {
	case err == nil:
		return store.StatusDone
	case errors.Is(err, context.Canceled):
		return store.StatusCancelled
	case errors.Is(err, bridge.ErrMaxSteps):
		return store.StatusMaxSteps
	}
	return store.StatusError
}

// ErrorText is how a turn's error is told to the user and kept in the
// transcript: a cancel says so in words, not as a broken stream.
func ErrorText(err error) string {
	if errors.Is(err, context.Canceled) {
		return "cancelled by the user (Ctrl-C or a stop signal); the transcript keeps what happened until then"
	}
	return err.Error()
}

// Resume loads a stored conversation by id, prefix or "last", in wire form.
func Resume(ctx context.Context, st *store.Store, ref string) (*store.Transcript, []glm.Message, error) {
	id, err := st.Resolve(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	t, err := st.Get(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("load transcript %s: %w", id, err)
	}
	msgs, err := WireMessages(t)
	if err != nil {
		return nil, nil, err
	}
	return t, msgs, nil
}
