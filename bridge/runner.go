package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// Completer is the completion endpoint; *glm.Client satisfies it.
type Completer interface {
	Complete(ctx context.Context, req glm.Request, onEvent func(glm.Event)) (*glm.Response, error)
	Encode(req glm.Request) ([]byte, error)
	Profile() glm.Profile
}

// Approver decides whether a tool that is not annotated read-only may run.
// It returns false and a reason to refuse.
type Approver func(ctx context.Context, t *Tool, arguments string) (bool, string)

// Runner runs the tool loop: a completion call per step, the tool calls of
// each answer run (concurrently when allowed), their results sent back, until
// the model answers without calling a tool.
type Runner struct {
	Model   Completer
	Catalog *Catalog
	// Template holds the request parameters of every step (model, sampling,
	// stream, thinking, ...); Messages, Tools and ToolChoice are set per step.
	Template glm.Request
	// ToolChoice is what the user asked for; nil means the endpoint's default.
	ToolChoice        *glm.ToolChoice
	ParallelToolCalls bool
	ToolConcurrency   int           // default 8
	MaxSteps          int           // default 20
	ToolTimeout       time.Duration // default 60s
	MaxToolOutput     int           // characters per result sent to the model; default 20000
	Approve           Approver      // nil: tools that are not read-only are refused
	Recorder          Recorder      // optional
	Observer          func(Event)   // optional
	Logger            zerolog.Logger
}

// Outcome errors of Run; match them with errors.Is.
var (
	ErrMaxSteps        = errors.New("step limit reached")
	ErrRepeatedFailure = errors.New("the model repeated the same failing tool call")
)

// Result is what a run produced.
type Result struct {
	// Messages is the whole conversation, the input included.
	Messages []glm.Message
	Steps    int
	Usage    glm.Usage
	// Answer is the content of the last assistant message.
	Answer string
}

// repeatLimit is how many times the same failing call may come before the loop stops.
const repeatLimit = 3

// Run continues the conversation msgs (which ends with the user's message).
// It records what it appends, not msgs itself. The error is nil when the
// model answered; else ErrMaxSteps, ErrRepeatedFailure, a *glm.APIError, a
// *glm.FinishError, a *glm.StreamError, a recorder failure, or the context's
// error. The Result is valid in every case.
func (r *Runner) Run(ctx context.Context, msgs []glm.Message) (*Result, error) {
	r.defaults()
	st := &runState{Runner: r, res: &Result{Messages: msgs}, failures: map[string]int{}}
	for {
		if st.res.Steps >= r.MaxSteps {
			return st.res, fmt.Errorf("%w (%d steps); raise --max-steps or narrow the question", ErrMaxSteps, r.MaxSteps)
		}
		done, err := st.step(ctx)
		if err != nil || done {
			return st.res, err
		}
	}
}

func (r *Runner) defaults() {
	if r.ToolConcurrency <= 0 {
		r.ToolConcurrency = 8
	}
	if r.MaxSteps <= 0 {
		r.MaxSteps = 20
	}
	if r.ToolTimeout <= 0 {
		r.ToolTimeout = 60 * time.Second
	}
	if r.MaxToolOutput <= 0 {
		r.MaxToolOutput = 20000
	}
	if r.Catalog == nil {
		r.Catalog = &Catalog{byName: map[string]*Tool{}}
	}
}

// runState is one run's mutable state.
type runState struct {
	*Runner
	res       *Result
	toolRound bool           // a round of tool results has been sent
	nudged    bool           // the emulated required/named choice has asked again once
	failures  map[string]int // failing calls by name and arguments
}

func (r *Runner) emit(ev Event) {
	if r.Observer != nil {
		r.Observer(ev)
	}
}

// step makes one completion call and runs the tools it asks for. It reports
// done when the model answered without tool calls.
func (st *runState) step(ctx context.Context) (bool, error) {
	st.res.Steps++
	step := st.res.Steps
	st.emit(Event{Kind: EventStepStart, Step: step})
	req, emulated := st.request()
	resp, err := st.Model.Complete(ctx, req, func(ev glm.Event) { st.forward(step, ev) })
	if rerr := st.recordCompletion(ctx, step, req, resp, err); rerr != nil {
		return false, rerr
	}
	if resp != nil && resp.Usage != nil {
		st.res.Usage = st.res.Usage.Plus(*resp.Usage)
		st.emit(Event{Kind: EventUsage, Step: step, Usage: *resp.Usage})
	}
	if err != nil {
		var se *glm.StreamError
		if errors.As(err, &se) && se.Partial != nil {
			if rerr := st.appendAssistant(ctx, withoutCalls(se.Partial.Message())); rerr != nil {
				return false, rerr
			}
		}
		return false, err
	}
	msg := resp.Message()
	if len(resp.Choices) > 0 { // the loop follows the first choice only
		if err := resp.Choices[0].Err(); err != nil {
			// Calls in an answer cut short (length, content filter, ...) are not
			// run, so the transcript keeps none without a result.
			if rerr := st.appendAssistant(ctx, withoutCalls(msg)); rerr != nil {
				return false, rerr
			}
			return false, err
		}
	}
	if err := st.appendAssistant(ctx, msg); err != nil {
		return false, err
	}
	if len(msg.ToolCalls) == 0 {
		if emulated && !st.toolRound && !st.nudged {
			st.nudged = true
			return false, st.appendMessage(ctx, glm.Message{Role: glm.RoleUser, Content: nudgeText(st.ToolChoice)})
		}
		st.res.Answer = msg.Content
		return true, nil
	}
	return false, st.runCalls(ctx, msg.ToolCalls)
}

// forward turns the client's stream events into the runner's.
func (st *runState) forward(step int, ev glm.Event) {
	switch ev.Type {
	case glm.EventReasoningDelta:
		st.emit(Event{Kind: EventReasoning, Step: step, Text: ev.Text})
	case glm.EventContentDelta:
		st.emit(Event{Kind: EventContent, Step: step, Text: ev.Text})
	}
}

func (st *runState) appendAssistant(ctx context.Context, m glm.Message) error {
	m.Role = glm.RoleAssistant
	for i := range m.ToolCalls {
		if m.ToolCalls[i].Type == "" {
			m.ToolCalls[i].Type = "function"
		}
	}
	return st.appendMessage(ctx, m)
}

func (st *runState) appendMessage(ctx context.Context, m glm.Message) error {
	st.res.Messages = append(st.res.Messages, m)
	if st.Recorder == nil {
		return nil
	}
	if err := st.Recorder.RecordMessage(context.WithoutCancel(ctx), m); err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	return nil
}

func (st *runState) recordCompletion(ctx context.Context, step int, req glm.Request, resp *glm.Response, callErr error) error {
	if st.Recorder == nil {
		return nil
	}
	c := Completion{Step: step}
	if resp != nil {
		c.RequestBody, c.ResponseBody = resp.Exchange.RequestBody, resp.Exchange.ResponseBody
		c.HTTPStatus, c.Latency, c.Usage = resp.Exchange.Status, resp.Exchange.Latency, resp.Usage
	}
	if len(c.RequestBody) == 0 {
		c.RequestBody, _ = st.Model.Encode(req)
	}
	if callErr != nil {
		c.Err = callErr.Error()
		var apiErr *glm.APIError
		if errors.As(callErr, &apiErr) && c.HTTPStatus == 0 {
			c.HTTPStatus = apiErr.Status
		}
	}
	if err := st.Recorder.RecordCompletion(context.WithoutCancel(ctx), c); err != nil {
		return fmt.Errorf("record completion: %w", err)
	}
	return nil
}

// withoutCalls drops the tool calls of a message that will not be followed,
// so no call id is left without a result.
func withoutCalls(m glm.Message) glm.Message {
	m.ToolCalls = nil
	return m
}
