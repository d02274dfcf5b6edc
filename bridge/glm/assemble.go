package glm

import (
	"encoding/json"
	"sort"
	"strings"
)

// ToolCallFragment is one tool_calls entry of a stream delta: a whole call (GLM without
// tool_stream), or a piece of one (with tool_stream: the first piece has id and name, later ones
// add to the arguments).
type ToolCallFragment struct {
	// Index is the call's position; HasIndex is false when the server left it out.
	Index    int
	HasIndex bool
	ID       string
	Type     string
	Name     string
	// Arguments is the piece of the arguments' JSON text this fragment carries.
	Arguments string
}

// ToolCallAssembler builds tool calls from stream fragments, by index and never by id, as
// GLM-API.md requires. The zero value is ready to use.
type ToolCallAssembler struct {
	calls   []*assembling
	byIndex map[int]*assembling
	byID    map[string]*assembling // first call with each id, for fragments without an index
	last    *assembling
	maxIdx  int
}

type assembling struct {
	call ToolCall
	args strings.Builder
}

// Add applies one fragment and returns the progress to report. ok is false when the fragment
// changed nothing: an exact repeat of a call already complete (a server resending its final
// chunk) is dropped rather than appended, so its arguments stay valid JSON.
//
// A negative index means no index (glm-4.5-flash sends -1): such calls are told apart by id.
func (a *ToolCallAssembler) Add(f ToolCallFragment) (d ToolCallDelta, ok bool) {
	if f.Index < 0 {
		f.HasIndex = false
	}
	c := a.find(f)
	idx := f.Index
	if c == nil && !f.HasIndex {
		idx = a.nextIndex()
		c = a.byIndex[idx] // taken only if the indexes wrapped around
	}
	if c == nil {
		c = &assembling{call: ToolCall{ID: f.ID, Type: f.Type, Index: idx}}
		c.call.Function.Name = f.Name
		if a.byIndex == nil {
			a.byIndex = map[int]*assembling{}
		}
		a.byIndex[idx] = c
		a.remember(c)
		a.calls = append(a.calls, c)
		if len(a.calls) == 1 || idx > a.maxIdx {
			a.maxIdx = idx
		}
	} else {
		if f.ID != "" && f.ID == c.call.ID && isRepeat(f.Arguments, c.args.String()) {
			return ToolCallDelta{}, false
		}
		if c.call.ID == "" && f.ID != "" {
			c.call.ID = f.ID
			a.remember(c)
		}
		if c.call.Type == "" {
			c.call.Type = f.Type
		}
		if c.call.Function.Name == "" {
			c.call.Function.Name = f.Name
		}
	}
	a.last = c
	c.args.WriteString(f.Arguments)
	return ToolCallDelta{Index: c.call.Index, ID: c.call.ID, Name: c.call.Function.Name, Arguments: f.Arguments}, true
}

// remember indexes c by its id, unless an earlier call has that id.
func (a *ToolCallAssembler) remember(c *assembling) {
	if c.call.ID == "" || a.byID[c.call.ID] != nil {
		return
	}
	if a.byID == nil {
		a.byID = map[string]*assembling{}
	}
	a.byID[c.call.ID] = c
}

// isRepeat reports whether a fragment's arguments repeat a complete JSON object already held.
func isRepeat(frag, held string) bool {
	return frag == held && strings.HasPrefix(strings.TrimSpace(held), "{") && json.Valid([]byte(held))
}

// find returns the call a fragment belongs to, or nil for a new one. Without an index, a new id
// starts a new call and anything else continues the last call.
func (a *ToolCallAssembler) find(f ToolCallFragment) *assembling {
	if f.HasIndex {
		return a.byIndex[f.Index]
	}
	if f.ID != "" {
		return a.byID[f.ID]
	}
	return a.last
}

func (a *ToolCallAssembler) nextIndex() int {
	if len(a.calls) == 0 {
		return 0
	}
	return a.maxIdx + 1
}

// Len returns the number of calls begun so far.
func (a *ToolCallAssembler) Len() int { return len(a.calls) }

// Calls returns the assembled calls ordered by index. A call whose type was never sent is a
// "function" call.
func (a *ToolCallAssembler) Calls() []ToolCall {
	if len(a.calls) == 0 {
		return nil
	}
	out := make([]ToolCall, len(a.calls))
	for i, c := range a.calls {
		out[i] = c.call
		out[i].Function.Arguments = c.args.String()
		if out[i].Type == "" {
			out[i].Type = "function"
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}
