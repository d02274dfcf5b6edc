package bridge

import (
	"context"
	"errors"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// Recorder receives every event of a run as it happens, so that a crash or
// Ctrl-C loses at most what was in flight. main satisfies it with the
// transcript store.
type Recorder interface {
	RecordMessage(ctx context.Context, m glm.Message) error
	RecordToolExecution(ctx context.Context, e ToolExecution) error
	RecordCompletion(ctx context.Context, c Completion) error
}

// CompactionRecorder is a Recorder that also keeps what compaction elided
// from the requests. The loop uses it when its Recorder implements it.
type CompactionRecorder interface {
	RecordCompaction(ctx context.Context, step int, r CompactReport) error
}

// ToolExecution is one tool call as it ran.
type ToolExecution struct {
	Step      int
	CallID    string
	Tool      string // the MCP tool name
	Server    string
	Arguments string // as the model sent them
	// Result is the whole result. The model was sent at most MaxToolOutput
	// characters of it (Truncated), with a note of what was cut.
	Result    string
	Truncated bool
	IsError   bool
	// Refusal says why the bridge did not run the call, when it did not:
	// ErrNeedsApproval, ErrUserDeclined, ErrInvalidArguments, ErrUnknownTool,
	// or the run's cancellation. It is nil when the tool ran.
	Refusal  error
	Started  time.Time
	Duration time.Duration
}

// Reasons a call did not run (ToolExecution.Refusal, Event.Refusal).
var (
	// ErrNeedsApproval: the tool is not read-only and the Runner has no
	// Approver; the caller says how to allow such tools.
	ErrNeedsApproval    = errors.New("the tool needs the user's approval and no one could be asked")
	ErrUserDeclined     = errors.New("the approver refused the call")
	ErrInvalidArguments = errors.New("the arguments do not fit the tool's input schema")
	ErrUnknownTool      = errors.New("no tool has that name")
)

// Completion is one completion call.
type Completion struct {
	Step         int
	RequestBody  []byte // as sent (the key travels only in a header)
	ResponseBody []byte // the raw answer, or the assembled stream
	HTTPStatus   int
	Latency      time.Duration
	Usage        *glm.Usage
	Err          string
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order a step produces them.
const (
	EventStepStart  EventKind = iota + 1 // Step
	EventReasoning                       // Text: a piece of reasoning
	EventContent                         // Text: a piece of the answer
	EventToolStart                       // Call: a tool call about to run
	EventToolResult                      // Call, Result, IsError, Refusal, Duration
	EventUsage                           // Usage of one completion; ContextUsed of ContextWindow
	EventNudge                           // Text: the user message the loop added to emulate tool_choice
	EventCompact                         // Compact: tool results elided before a request
)

// Event is progress for a user interface.
type Event struct {
	Kind     EventKind
	Step     int
	Text     string
	Call     glm.ToolCall
	Result   string // what the model was sent
	IsError  bool
	Refusal  error
	Duration time.Duration
	Usage    glm.Usage
	// ContextUsed is how many tokens of ContextWindow the conversation now
	// fills (the last prompt plus its answer); ContextWindow is 0 when the
	// window is not known.
	ContextUsed   int
	ContextWindow int
	Compact       *CompactReport
}
