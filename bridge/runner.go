package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
//
// A Runner is configuration only: Run and Execute never change it, so one
// Runner may serve many goroutines at once (its Recorder, Observer and
// Approver must then be safe for concurrent use).
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
	// ContextWindow is the model's window in tokens. 0 takes it from the
	// model table (see modelWindow); when that does not know the model either,
	// the loop does not budget.
	ContextWindow int
	// ReserveOutput is the room in tokens kept free for the answer. 0 takes
	// the request's max_tokens (or max_completion_tokens), else an eighth of
	// the window.
	ReserveOutput int
	// TokenScale seeds the endpoint's tokens per estimated token from an
	// earlier run of the same conversation (Result.TokenScale); 0 starts at 1.
	TokenScale float64
	Approve    Approver    // nil: tools that are not read-only are refused
	Recorder   Recorder    // optional; may also be a CompactionRecorder
	Observer   func(Event) // optional
	Logger     zerolog.Logger
}

// Outcome errors of Run; match them with errors.Is.
var (
	// ErrMaxSteps is matched by every *MaxStepsError.
	ErrMaxSteps        = errors.New("step limit reached")
	ErrRepeatedFailure = errors.New("the model repeated the same failing tool call")
	// ErrNoToolCalls: the model twice ended its answer with finish_reason
	// "tool_calls" but sent no tool call (reported for GLM-5.x). The step is
	// asked again once before the run fails with it.
	ErrNoToolCalls = errors.New(`the model ended with finish_reason "tool_calls" but sent no tool call`)
)

// MaxStepsError is the run stopping at its step limit. It matches ErrMaxSteps.
type MaxStepsError struct {
	Steps int // the limit that was reached
}

// Error states the limit; the caller says how to raise it.
func (e *MaxStepsError) Error() string {
	return fmt.Sprintf("%v (%d steps) before the model gave an answer", ErrMaxSteps, e.Steps)
}

// Is makes errors.Is(err, ErrMaxSteps) true.
func (e *MaxStepsError) Is(target error) bool { return target == ErrMaxSteps }

// TooLongError is a conversation that does not fit the model's window even
// with every older tool result elided, by more than the estimate can be
// wrong: the request is not sent (the endpoint would only refuse it, after
// the upload). A long prompt, piped text say, is the usual cause.
type TooLongError struct {
	Estimated, Window int // tokens
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("the conversation is about %d tokens and the model's window is %d, even with older tool results elided; "+
		"nothing was sent: shorten the prompt, or start a new conversation", e.Estimated, e.Window)
}

// tooLongFactor is how far over the window an estimate must be for the run
// to refuse a request itself; closer calls are left to the endpoint, since
// the estimate is off by a few percent (7.4% at worst on the recorded pairs).
const tooLongFactor = 1.25

// Result is what a run produced.
type Result struct {
	// Messages is the whole conversation, the input included, with every
	// tool result whole (compaction changes only what is sent). It is a new
	// slice: the caller's is never appended to.
	Messages []glm.Message
	Steps    int
	Usage    glm.Usage
	// Answer is the content of the last assistant message.
	Answer string
	// Compactions lists what was elided from the requests, in order.
	Compactions []CompactReport
	// TokenScale is how many of the endpoint's tokens one estimated token
	// turned out to be (at least 1); a later run of the same conversation
	// starts from it (Runner.TokenScale), so its first request is counted
	// right before any usage comes back.
	TokenScale float64
}

// repeatLimit is how many times the same failing call may come before the loop stops.
const repeatLimit = 3

// Run continues the conversation msgs (which ends with the user's message).
// It records what it appends, not msgs itself. The error is nil when the
// model answered; else a *MaxStepsError, ErrRepeatedFailure, ErrNoToolCalls,
// a *glm.APIError, a *glm.FinishError, a *glm.StreamError, a recorder
// failure, or the context's error. The Result is valid in every case.
func (r *Runner) Run(ctx context.Context, msgs []glm.Message) (*Result, error) {
	st := r.newRun(msgs)
	defer func() { st.res.TokenScale = st.budget.scale }()
	for {
		if st.res.Steps >= st.MaxSteps {
			return st.res, &MaxStepsError{Steps: st.MaxSteps}
		}
		done, err := st.step(ctx)
		if err != nil || done {
			return st.res, err
		}
	}
}

// settings returns a copy of r with the defaults filled in; r is unchanged.
func (r *Runner) settings() Runner {
	s := *r
	if s.ToolConcurrency <= 0 {
		s.ToolConcurrency = 8
	}
	if s.MaxSteps <= 0 {
		s.MaxSteps = 20
	}
	if s.ToolTimeout <= 0 {
		s.ToolTimeout = 60 * time.Second
	}
	if s.MaxToolOutput <= 0 {
		s.MaxToolOutput = 20000
	}
	if s.Catalog == nil {
		s.Catalog = &Catalog{byName: map[string]*Tool{}}
	}
	if s.ContextWindow <= 0 {
		s.ContextWindow = modelWindow(s.Template.Model)
	}
	if s.ReserveOutput <= 0 {
		s.ReserveOutput = defaultReserve(s.Template, s.ContextWindow)
	}
	return s
}

func (r *Runner) newRun(msgs []glm.Message) *runState {
	st := &runState{Runner: r.settings(), failures: map[string]int{}}
	st.res = &Result{Messages: slices.Clip(slices.Clone(msgs))}
	st.budget = newBudget(st.ContextWindow, st.ReserveOutput)
	if st.TokenScale > 1 {
		st.budget.scale = min(st.TokenScale, 4)
	}
	return st
}

// runState is one run's mutable state, with its own copy of the settings.
type runState struct {
	Runner
	res       *Result
	toolRound bool           // a round of tool results has been sent
	nudged    bool           // the emulated required/named choice has asked again once
	failures  map[string]int // failing calls by name and arguments
	budget    *budget
}

func (r *Runner) emit(ev Event) {
	if r.Observer != nil {
		r.Observer(ev)
	}
}

// step makes one completion call (two when the first must be asked again)
// and runs the tools it asks for. It reports done when the model answered
// without tool calls.
func (st *runState) step(ctx context.Context) (bool, error) {
	st.res.Steps++
	step := st.res.Steps
	st.emit(Event{Kind: EventStepStart, Step: step})
	resp, emulated, err := st.complete(ctx, step)
	if err != nil {
		return false, err
	}
	msg := resp.Message()
	if err := st.appendAssistant(ctx, msg); err != nil {
		return false, err
	}
	if len(msg.ToolCalls) == 0 {
		if emulated && !st.toolRound && !st.nudged {
			st.nudged = true
			st.emit(Event{Kind: EventNudge, Step: step, Text: nudgeText(st.ToolChoice)})
			return false, st.appendMessage(ctx, nudgeMessage(st.ToolChoice))
		}
		st.res.Answer = msg.Content
		return true, nil
	}
	return false, st.runCalls(ctx, msg.ToolCalls)
}

// complete sends the step's request and returns a usable answer. It compacts
// the conversation first when it would pass the budget; it compacts and asks
// again once when the endpoint says the context is exceeded, and asks again
// once when the model ends with "tool_calls" but sends none.
func (st *runState) complete(ctx context.Context, step int) (*glm.Response, bool, error) {
	retriedContext, retriedEmpty := false, false
	for {
		req, emulated := st.request()
		if _, err := st.fit(ctx, step, &req, false); err != nil {
			return nil, false, err
		}
		if w := st.budget.window; w > 0 {
			if n := st.budget.count(req); float64(n) > tooLongFactor*float64(w) {
				return nil, false, &TooLongError{Estimated: n, Window: w}
			}
		}
		resp, err := st.Model.Complete(ctx, req, func(ev glm.Event) { st.forward(step, ev) })
		if rerr := st.recordCompletion(ctx, step, req, resp, err); rerr != nil {
			return nil, false, rerr
		}
		st.account(step, req, resp)
		if err == nil && len(resp.Choices) > 0 {
			err = resp.Choices[0].Err() // the loop follows the first choice only
		}
		switch {
		case err != nil && contextExceeded(err) && !retriedContext:
			retriedContext = true
			compacted, ferr := st.fit(ctx, step, &req, true)
			if ferr != nil {
				return nil, false, ferr
			}
			if compacted {
				continue
			}
			return nil, false, st.failed(ctx, resp, err)
		case err != nil:
			return nil, false, st.failed(ctx, resp, err)
		case emptyToolCalls(resp) && !retriedEmpty:
			retriedEmpty = true
			st.Logger.Warn().Int("step", step).Msg("finish_reason tool_calls without a tool call; asking again")
			continue
		case emptyToolCalls(resp):
			if rerr := st.appendAssistant(ctx, resp.Message()); rerr != nil {
				return nil, false, rerr
			}
			return nil, false, ErrNoToolCalls
		}
		return resp, emulated, nil
	}
}

// failed keeps what an answer that failed had produced, without its calls
// (which are not run, so the transcript keeps none without a result), and
// returns err.
func (st *runState) failed(ctx context.Context, resp *glm.Response, err error) error {
	var partial glm.Message
	var se *glm.StreamError
	switch {
	case errors.As(err, &se) && se.Partial != nil:
		partial = se.Partial.Message()
	case resp != nil && len(resp.Choices) > 0:
		partial = resp.Message()
	default:
		return err
	}
	if contextExceeded(err) && partial.Content == "" && partial.ReasoningContent == "" {
		return err
	}
	if rerr := st.appendAssistant(ctx, withoutCalls(partial)); rerr != nil {
		return rerr
	}
	return err
}

// emptyToolCalls reports an answer that says it calls tools but calls none.
func emptyToolCalls(resp *glm.Response) bool { return resp.MissingToolCalls() }

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
	m.ToolCalls = slices.Clone(m.ToolCalls)
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
