package glm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// EventType says what an Event carries.
type EventType int

// Event types, in the order a thinking model usually sends them.
const (
	EventReasoningDelta EventType = iota + 1 // Text is a piece of reasoning_content
	EventContentDelta                        // Text is a piece of content
	EventToolCallDelta                       // ToolCall is progress on one tool call
	EventUsage                               // Usage is the token count, sent when it changes (once for GLM)
)

// Event is progress delivered while a completion arrives.
type Event struct {
	Type EventType
	// Choice is the index of the choice the event belongs to.
	Choice   int
	Text     string
	ToolCall ToolCallDelta
	Usage    Usage
}

// ToolCallDelta reports progress on one tool call: its index, id and name as known so far, and
// the piece of arguments that just arrived.
type ToolCallDelta struct {
	Index     int
	ID        string
	Name      string
	Arguments string
}

// ErrIncompleteStream means the body ended before [DONE] and before every choice had finished.
var ErrIncompleteStream = errors.New("glm: stream ended before [DONE]")

// Assembler builds a Response from the data of a stream's events, one Feed per event. It
// counts the final chunk once even when the server repeats it, and treats a chunk that has
// usage but no choices as usage only.
type Assembler struct {
	resp      Response
	choices   map[int]*choiceState
	usage     *Usage
	lastFinal []byte
	done      bool
	output    bool
}

type choiceState struct {
	index     int
	content   strings.Builder
	reasoning strings.Builder
	finish    FinishReason
	tools     ToolCallAssembler
	details   detailsMerger
}

// NewAssembler returns an empty Assembler.
func NewAssembler() *Assembler { return &Assembler{choices: map[int]*choiceState{}} }

// chunk is one stream event's JSON. The id and model repeat in every chunk; they are decoded
// (chunkHeader) only until known, since encoding/json skips fields a struct lacks without
// allocating.
type chunk struct {
	RequestID string          `json:"request_id"`
	Created   int64           `json:"created"`
	Choices   []chunkChoice   `json:"choices"`
	Usage     *Usage          `json:"usage"`
	Error     json.RawMessage `json:"error"`
}

type chunkHeader struct {
	ID    string `json:"id"`
	Model string `json:"model"`
	chunk
}

type chunkChoice struct {
	Index int `json:"index"`
	Delta struct {
		Content          string          `json:"content"`
		ReasoningContent string          `json:"reasoning_content"`
		Reasoning        string          `json:"reasoning"` // OpenRouter's name for it
		ReasoningDetails json.RawMessage `json:"reasoning_details"`
		ToolCalls        []toolCallChunk `json:"tool_calls"`
	} `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type toolCallChunk struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string    `json:"name"`
		Arguments argsField `json:"arguments"`
	} `json:"function"`
}

// argsField decodes arguments given as a JSON string or as an object (kept as its text).
type argsField string

// UnmarshalJSON implements json.Unmarshaler.
func (a *argsField) UnmarshalJSON(b []byte) error {
	s, err := argumentsText(b)
	*a = argsField(s)
	return err
}

var doneMarker = []byte("[DONE]")

// Feed applies the data of one event and passes the deltas it carries to emit (which may be
// nil). An in-stream {"error":…} frame is returned as an *APIError.
func (a *Assembler) Feed(data []byte, emit func(Event)) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || a.done {
		return nil
	}
	if bytes.Equal(data, doneMarker) {
		a.done = true
		return nil
	}
	if a.lastFinal != nil && bytes.Equal(data, a.lastFinal) {
		return nil // the final chunk sent again
	}
	var h chunkHeader
	c := &h.chunk
	var err error
	if a.resp.ID == "" || a.resp.Model == "" {
		err = json.Unmarshal(data, &h)
	} else {
		err = json.Unmarshal(data, c)
	}
	if err != nil {
		return fmt.Errorf("glm: decode stream chunk: %w", err)
	}
	if len(c.Error) > 0 && string(c.Error) != "null" {
		e := &APIError{Status: 200}
		e.Code, e.Message, e.RequestID = decodeErrorBody(data)
		return e
	}
	a.header(&h)
	final := false
	for i := range c.Choices {
		a.choice(&c.Choices[i], emit)
		final = final || c.Choices[i].FinishReason != nil && *c.Choices[i].FinishReason != ""
	}
	if c.Usage != nil && (a.usage == nil || *a.usage != *c.Usage) {
		u := *c.Usage
		a.usage = &u
		if emit != nil {
			emit(Event{Type: EventUsage, Usage: u})
		}
	}
	if final {
		a.lastFinal = append(a.lastFinal[:0], data...)
	} else {
		a.lastFinal = nil
	}
	return nil
}

// header keeps the first id and model seen, and the latest request id and creation time.
func (a *Assembler) header(h *chunkHeader) {
	if a.resp.ID == "" {
		a.resp.ID = h.ID
	}
	if a.resp.Model == "" {
		a.resp.Model = h.Model
	}
	if h.RequestID != "" {
		a.resp.RequestID = h.RequestID
	}
	if h.Created != 0 {
		a.resp.Created = h.Created
	}
}

func (a *Assembler) choice(cc *chunkChoice, emit func(Event)) {
	st := a.choices[cc.Index]
	if st == nil {
		st = &choiceState{index: cc.Index}
		a.choices[cc.Index] = st
	}
	d := &cc.Delta
	if r := cmp(d.ReasoningContent, d.Reasoning); r != "" {
		st.reasoning.WriteString(r)
		a.send(emit, Event{Type: EventReasoningDelta, Choice: cc.Index, Text: r})
	}
	st.details.add(d.ReasoningDetails)
	if d.Content != "" {
		st.content.WriteString(d.Content)
		a.send(emit, Event{Type: EventContentDelta, Choice: cc.Index, Text: d.Content})
	}
	for _, tc := range d.ToolCalls {
		f := ToolCallFragment{ID: tc.ID, Type: tc.Type, Name: tc.Function.Name, Arguments: string(tc.Function.Arguments)}
		if tc.Index != nil && *tc.Index >= 0 { // -1 (glm-4.5-flash) means no index
			f.Index, f.HasIndex = *tc.Index, true
		}
		if delta, ok := st.tools.Add(f); ok {
			a.send(emit, Event{Type: EventToolCallDelta, Choice: cc.Index, ToolCall: delta})
		}
	}
	if cc.FinishReason != nil && *cc.FinishReason != "" {
		st.finish = FinishReason(*cc.FinishReason)
	}
}

// send delivers output; from then on the call must not be retried.
func (a *Assembler) send(emit func(Event), ev Event) {
	a.output = true
	if emit != nil {
		emit(ev)
	}
}

// Done reports whether [DONE] has been read.
func (a *Assembler) Done() bool { return a.done }

// Output reports whether any reasoning, content or tool call has been delivered. Once it has, a
// failed request must not be retried: the caller has already shown or used that output.
func (a *Assembler) Output() bool { return a.output }

// Finished reports whether every choice seen so far has a finish reason.
func (a *Assembler) Finished() bool {
	if len(a.choices) == 0 {
		return false
	}
	for _, st := range a.choices {
		if st.finish == "" {
			return false
		}
	}
	return true
}

// Response returns what has been assembled so far, choices in index order.
func (a *Assembler) Response() *Response {
	r := a.resp
	r.Object = "chat.completion"
	if a.usage != nil {
		u := *a.usage
		r.Usage = &u
	}
	r.Choices = make([]Choice, 0, len(a.choices))
	for _, st := range a.choices {
		r.Choices = append(r.Choices, Choice{
			Index: st.index,
			Message: Message{
				Role:             RoleAssistant,
				Content:          st.content.String(),
				ReasoningContent: st.reasoning.String(),
				ReasoningDetails: st.details.result(),
				ToolCalls:        st.tools.Calls(),
			},
			FinishReason: st.finish,
		})
	}
	sort.Slice(r.Choices, func(i, j int) bool { return r.Choices[i].Index < r.Choices[j].Index })
	return &r
}

// ParseStream reads a whole text/event-stream body and assembles it, passing deltas to emit as
// they arrive. It stops at [DONE]. A body that ends without [DONE] is complete if every choice
// finished; otherwise the partial Response comes with ErrIncompleteStream. Replay and tests use
// it; Client.Complete adds retries and error typing on top of the same pieces.
func ParseStream(r io.Reader, emit func(Event)) (*Response, error) {
	a, err := readStream(r, emit)
	return a.Response(), err
}

func readStream(r io.Reader, emit func(Event)) (*Assembler, error) {
	sr := NewSSEReader(r)
	a := NewAssembler()
	for !a.Done() {
		data, err := sr.Next()
		if errors.Is(err, io.EOF) {
			if a.Finished() {
				return a, nil
			}
			return a, ErrIncompleteStream
		}
		if err != nil {
			if !errors.Is(err, ErrEventTooLarge) {
				err = &transportError{err: err}
			}
			return a, err
		}
		if sr.Event() == "error" {
			return a, errorFrame(data)
		}
		if err := a.Feed(data, emit); err != nil {
			return a, err
		}
	}
	return a, nil
}

// emitResponse reports a non-streamed answer through the same events a stream would give.
func emitResponse(r *Response, emit func(Event)) {
	if emit == nil {
		return
	}
	for _, c := range r.Choices {
		m := c.Message
		if m.ReasoningContent != "" {
			emit(Event{Type: EventReasoningDelta, Choice: c.Index, Text: m.ReasoningContent})
		}
		if m.Content != "" {
			emit(Event{Type: EventContentDelta, Choice: c.Index, Text: m.Content})
		}
		for _, tc := range m.ToolCalls {
			emit(Event{Type: EventToolCallDelta, Choice: c.Index, ToolCall: ToolCallDelta{
				Index: tc.Index, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
		}
	}
	if r.Usage != nil {
		emit(Event{Type: EventUsage, Usage: *r.Usage})
	}
}
