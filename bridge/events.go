package bridge

import (
	"context"
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

// ToolExecution is one tool call as it ran.
type ToolExecution struct {
	Step      int
	CallID    string
	Tool      string // the MCP tool name
	Server    string
	Arguments string // as the model sent them
	Result    string // what the model was sent
	IsError   bool
	Started   time.Time
	Duration  time.Duration
}

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
	EventToolResult                      // Call, Result, IsError, Duration
	EventUsage                           // Usage of one completion
)

// Event is progress for a user interface.
type Event struct {
	Kind     EventKind
	Step     int
	Text     string
	Call     glm.ToolCall
	Result   string
	IsError  bool
	Duration time.Duration
	Usage    glm.Usage
}
