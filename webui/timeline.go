package webui

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
)

// pageData is what a transcript page shows.
type pageData struct {
	head
	T        *store.Transcript
	Cost     string
	Steps    []stepView
	Messages []messageView
}

// stepView is a row of the timeline: the step's completion requests (a
// retried request has several) and tool calls, each a bar placed by its
// start and duration within the row's span.
type stepView struct {
	N       int
	Offset  time.Duration // from the transcript's first event
	Span    time.Duration
	Usage   store.Usage
	Cost    string
	Status  string // the last request's HTTP status, or its error
	Bars    []barView
	Lanes   int
	Height  string // CSS height of the track
	HasCall bool
}

// barView is one bar of a step's track.
type barView struct {
	Kind     string // "model" or "tool"
	Label    string
	CallID   string
	IsError  bool
	Start    time.Duration // from the row's start
	Duration time.Duration
	Left     float64 // percent of the row
	Width    float64 // percent of the row
	Top      string  // CSS top: the bar's lane
}

// messageView is one message of the conversation.
type messageView struct {
	store.Message
	Calls    []callView
	ToolName string
	Exec     *store.ToolExecution
}

// callView is a tool call of an assistant message, with its run.
type callView struct {
	store.ToolCall
	Args string // indented
	Exec *store.ToolExecution
}

// laneHeight is a bar's lane height in rem.
const laneHeight = 1.6

func newPageData(t *store.Transcript, opt Options, standalone bool) pageData {
	title := t.Title
	if title == "" {
		title = "Transcript " + t.ID
	}
	d := pageData{
		head: head{Title: title, Style: style, CSP: csp, Standalone: standalone},
		T:    t, Cost: costText(opt.Cost, t.Model, t.Usage),
	}
	d.Steps = steps(t, opt)
	d.Messages = messages(t)
	return d
}

// steps groups completions and tool executions by step, in step order.
func steps(t *store.Transcript, opt Options) []stepView {
	byStep := map[int]*stepView{}
	var order []int
	get := func(n int) *stepView {
		s, ok := byStep[n]
		if !ok {
			s = &stepView{N: n}
			byStep[n] = s
			order = append(order, n)
		}
		return s
	}
	var first time.Time
	note := func(at time.Time) {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	spans := map[int][]span{}
	for _, c := range t.Completions {
		s := get(c.Step)
		s.Usage = s.Usage.Plus(c.Usage)
		s.Status = httpStatus(c)
		s.Bars = append(s.Bars, barView{Kind: "model", Label: "model · " + s.Status, IsError: c.Error != "", Duration: c.Latency})
		spans[c.Step] = append(spans[c.Step], span{c.Started, c.Started.Add(c.Latency)})
		note(c.Started)
	}
	for i := range t.ToolExecutions {
		e := &t.ToolExecutions[i]
		s := get(e.Step)
		s.HasCall = true
		s.Bars = append(s.Bars, barView{Kind: "tool", Label: e.Tool, CallID: e.CallID, IsError: e.IsError, Duration: e.Duration})
		spans[e.Step] = append(spans[e.Step], span{e.Started, e.Started.Add(e.Duration)})
		note(e.Started)
	}
	slices.Sort(order)
	out := make([]stepView, 0, len(order))
	for _, n := range order {
		s := byStep[n]
		ss := spans[n]
		start, end := ss[0].start, ss[0].end
		for _, x := range ss[1:] {
			start, end = minTime(start, x.start), maxTime(end, x.end)
		}
		s.Offset, s.Span = start.Sub(first), end.Sub(start)
		s.Cost = costText(opt.Cost, t.Model, s.Usage)
		place(s.Bars, ss, start, s.Span)
		s.Lanes = len(s.Bars)
		s.Height = ftoa(float64(s.Lanes)*laneHeight+0.2) + "rem"
		out = append(out, *s)
	}
	return out
}

// span is when a bar's event ran.
type span struct{ start, end time.Time }

// place sets each bar's left offset and width in percent of the row's
// span, and gives each its own lane, so that bars that overlap in time (the
// parallel calls of a step) lie side by side, one above the other.
func place(bars []barView, spans []span, start time.Time, span time.Duration) {
	for i := range bars {
		b := &bars[i]
		b.Start = spans[i].start.Sub(start)
		if span > 0 {
			b.Left = 100 * float64(b.Start) / float64(span)
			b.Width = 100 * float64(spans[i].end.Sub(spans[i].start)) / float64(span)
		} else {
			b.Width = 100
		}
		// A bar shorter than the text on it still shows as a sliver.
		b.Width = max(b.Width, 0.5)
		b.Left = min(b.Left, 100-b.Width)
		b.Top = ftoa(float64(i)*laneHeight+0.1) + "rem"
	}
}

func httpStatus(c store.Completion) string {
	switch {
	case c.Error != "" && c.HTTPStatus == 0:
		return "error"
	case c.HTTPStatus == 0:
		return "no status"
	}
	return "HTTP " + itoa(c.HTTPStatus)
}

// messages pairs each message with its tool calls and their runs.
func messages(t *store.Transcript) []messageView {
	names := map[string]string{}
	out := make([]messageView, 0, len(t.Messages))
	for _, m := range t.Messages {
		v := messageView{Message: m}
		calls, err := store.ParseToolCalls(m.ToolCalls)
		if err != nil {
			// Shown as stored rather than refused: the page is for reading.
			v.Content += "\n[tool calls that could not be read: " + string(m.ToolCalls) + "]"
		}
		for _, c := range calls {
			names[c.ID] = c.Name
			cv := callView{ToolCall: c, Args: indentJSON(c.Arguments)}
			if e, ok := t.Execution(c.ID); ok {
				cv.Exec = &e
			}
			v.Calls = append(v.Calls, cv)
		}
		if m.Role == "tool" {
			v.ToolName = names[m.ToolCallID]
			if e, ok := t.Execution(m.ToolCallID); ok {
				v.Exec = &e
				if v.ToolName == "" {
					v.ToolName = e.Tool
				}
			}
		}
		out = append(out, v)
	}
	return out
}

func indentJSON(s string) string {
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(s), "", "  ") != nil {
		return s
	}
	return buf.String()
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func itoa(n int) string { return strconv.Itoa(n) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
