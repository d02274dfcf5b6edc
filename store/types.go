package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Transcript statuses. A transcript is running until FinishTranscript sets
// one of the final statuses; interrupted is never written by a writer: it is
// what a running transcript shows once the process writing it is gone.
const (
	StatusRunning     = "running"
	StatusDone        = "done"
	StatusError       = "error"
	StatusCancelled   = "cancelled"
	StatusMaxSteps    = "max_steps"
	StatusInterrupted = "interrupted"
)

// Relations of a transcript to its parent.
const (
	RelationContinue = "continue" // ask --continue: the conversation goes on
	RelationReplay   = "replay"   // replay --live: the prompts were sent again
)

// ExportFormat names the JSON document a Transcript encodes to (`transcripts
// show --json`, `export --format json`). It changes only when a field
// changes meaning or goes away; new fields may be added within a version.
const ExportFormat = "glm-mcp-transcript/1"

// TranscriptMeta describes a new transcript.
type TranscriptMeta struct {
	Title      string          // usually the first prompt; set from the first user message when empty
	Provider   string          // provider profile, e.g. zai
	BaseURL    string          // endpoint base URL
	Model      string          // model id
	Params     json.RawMessage // request parameters, a JSON object
	ToolConfig json.RawMessage // the toolkit configuration, for replay
	ParentID   string          // the transcript this one continues or replays
	Relation   string          // RelationContinue or RelationReplay when ParentID is set
}

// Message is one chat message, in the order of the conversation.
type Message struct {
	Seq       int    `json:"seq"` // 1, 2, 3, …; assigned by the store
	Role      string `json:"role"`
	Content   string `json:"content"`
	Reasoning string `json:"reasoning,omitempty"`
	// ReasoningDetails is the structured reasoning some providers send
	// (OpenRouter's reasoning_details), as sent.
	ReasoningDetails json.RawMessage `json:"reasoning_details,omitempty"`
	ToolCalls        json.RawMessage `json:"tool_calls,omitempty"` // the assistant's tool_calls array as the model sent it
	ToolCallID       string          `json:"tool_call_id,omitempty"`
	Created          time.Time       `json:"created"` // set by the store when zero
}

// ToolExecution is one run of a tool for a tool call.
type ToolExecution struct {
	Step      int           `json:"step"`
	CallID    string        `json:"call_id"`
	Tool      string        `json:"tool"`
	Server    string        `json:"server,omitempty"`
	Arguments string        `json:"arguments"` // as the model sent them, valid JSON or not
	Result    string        `json:"result"`
	IsError   bool          `json:"is_error"`
	Started   time.Time     `json:"started"`
	Duration  time.Duration `json:"-"` // kept to the microsecond; JSON duration_ms
}

// Outcome is how the run ended, in one word: "ok" or "error".
func (e ToolExecution) Outcome() string {
	if e.IsError {
		return "error"
	}
	return "ok"
}

// Usage counts the tokens of one completion, or of a whole transcript.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	ReasoningTokens  int `json:"reasoning_tokens,omitempty"`
	CachedTokens     int `json:"cached_tokens,omitempty"`
}

// Plus is the sum of two usages.
func (u Usage) Plus(o Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + o.PromptTokens,
		CompletionTokens: u.CompletionTokens + o.CompletionTokens,
		TotalTokens:      u.TotalTokens + o.TotalTokens,
		ReasoningTokens:  u.ReasoningTokens + o.ReasoningTokens,
		CachedTokens:     u.CachedTokens + o.CachedTokens,
	}
}

// Completion is one request to the chat-completions endpoint. A step is one
// completion call; a retried call records one Completion per attempt.
type Completion struct {
	Step         int           `json:"step"`
	Started      time.Time     `json:"started"`
	RequestBody  []byte        `json:"-"` // the body as sent; JSON request
	ResponseBody []byte        `json:"-"` // the body, or the assembled stream; JSON response
	HTTPStatus   int           `json:"http_status"`
	Latency      time.Duration `json:"-"` // kept to the microsecond; JSON latency_ms
	Usage        Usage         `json:"usage"`
	Error        string        `json:"error,omitempty"`
}

// Summary is a transcript as listed.
type Summary struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Status   string    `json:"status"`
	Error    string    `json:"error,omitempty"`
	Provider string    `json:"provider"`
	Model    string    `json:"model"`
	ParentID string    `json:"parent_id,omitempty"`
	Relation string    `json:"relation,omitempty"`
	Steps    int       `json:"steps"` // distinct steps among the completions
	Usage    Usage     `json:"usage"` // summed over the completions
}

// Transcript is a whole stored conversation. Its JSON encoding is the
// documented export format (ExportFormat).
type Transcript struct {
	Summary
	BaseURL        string          `json:"base_url"`
	Params         json.RawMessage `json:"params,omitempty"`
	ToolConfig     json.RawMessage `json:"tool_config,omitempty"`
	Messages       []Message       `json:"messages"`
	ToolExecutions []ToolExecution `json:"tool_executions"`
	Completions    []Completion    `json:"completions"`
	Compactions    []Compaction    `json:"compactions,omitempty"`
}

// MarshalJSON writes the transcript with its format name first.
func (t Transcript) MarshalJSON() ([]byte, error) {
	type plain Transcript
	return json.Marshal(struct {
		Format string `json:"format"`
		plain
	}{ExportFormat, plain(t)})
}

// UnmarshalJSON reads a transcript, refusing other formats.
func (t *Transcript) UnmarshalJSON(b []byte) error {
	type plain Transcript
	var doc struct {
		Format string `json:"format"`
		plain
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if doc.Format != "" && doc.Format != ExportFormat {
		return fmt.Errorf("transcript format %q is not %q", doc.Format, ExportFormat)
	}
	*t = Transcript(doc.plain)
	return nil
}

// MarshalJSON writes the duration as duration_ms.
func (e ToolExecution) MarshalJSON() ([]byte, error) {
	type plain ToolExecution
	return json.Marshal(struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}{plain(e), millis(e.Duration)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *ToolExecution) UnmarshalJSON(b []byte) error {
	type plain ToolExecution
	var v struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = ToolExecution(v.plain)
	e.Duration = fromMillis(v.DurationMS)
	return nil
}

// MarshalJSON writes the latency as latency_ms and embeds the bodies: as JSON
// when they are a compact JSON object or array, else as a string, so that
// reading the document back gives the same bytes.
func (c Completion) MarshalJSON() ([]byte, error) {
	type plain Completion
	req, err := bodyJSON(c.RequestBody)
	if err != nil {
		return nil, err
	}
	resp, err := bodyJSON(c.ResponseBody)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		plain
		LatencyMS float64         `json:"latency_ms"`
		Request   json.RawMessage `json:"request,omitempty"`
		Response  json.RawMessage `json:"response,omitempty"`
	}{plain(c), millis(c.Latency), req, resp})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Completion) UnmarshalJSON(b []byte) error {
	type plain Completion
	var v struct {
		plain
		LatencyMS float64         `json:"latency_ms"`
		Request   json.RawMessage `json:"request"`
		Response  json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Completion(v.plain)
	c.Latency = fromMillis(v.LatencyMS)
	var err error
	if c.RequestBody, err = bodyFromJSON(v.Request); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if c.ResponseBody, err = bodyFromJSON(v.Response); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	return nil
}

// bodyJSON is a body as a JSON value: itself when it is a compact object or
// array, else a JSON string holding it.
func bodyJSON(b []byte) (json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if (b[0] == '{' || b[0] == '[') && json.Valid(b) {
		var buf bytes.Buffer
		if json.Compact(&buf, b) == nil && bytes.Equal(buf.Bytes(), b) {
			return b, nil
		}
	}
	return json.Marshal(string(b))
}

// bodyFromJSON reverses bodyJSON; an indented object or array (as
// MarshalIndent writes it) is compacted back.
func bodyFromJSON(v json.RawMessage) ([]byte, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return nil, nil
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return []byte(s), err
	}
	return compactJSON(v)
}

// compactJSON validates raw JSON and removes its insignificant space; empty
// input stays nil.
func compactJSON(raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fromMillis(ms float64) time.Duration {
	return time.Duration(math.Round(ms*1000)) * time.Microsecond
}
