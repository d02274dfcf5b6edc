package bridge

import (
	"fmt"
	"regexp"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// request builds one step's request. It reports whether the user's
// tool_choice is being emulated (the endpoint accepts only auto).
//
//   - none: no tools are sent (GLM refuses tool_choice without tools).
//   - required or a named tool, where the endpoint accepts it: sent as it is
//     until the first round of tool results, then auto, as clients
//     conventionally do so that the model can answer.
//   - required or a named tool, where it does not: emulated. A named choice
//     offers only that tool; if the model answers without a call, it is
//     asked once more (see nudgeText).
//
// The messages are what the run holds, with elided results replaced by their
// notes and unusable call arguments sent as {} (see wireMessages).
func (st *runState) request() (glm.Request, bool) {
	req := st.Template
	req.Messages = st.wireMessages()
	req.Tools, req.ToolChoice, req.ParallelToolCalls = nil, nil, nil
	tools := st.Catalog.FunctionTools()
	choice := st.ToolChoice
	if len(tools) == 0 || (choice != nil && choice.Mode == glm.ToolChoiceNone) {
		return req, false
	}
	req.Tools = tools
	if !st.ParallelToolCalls {
		req.ParallelToolCalls = glm.Ptr(false)
	}
	forcing := choice != nil && (choice.Mode == glm.ToolChoiceRequired || choice.Function != "")
	if !forcing {
		if choice != nil && st.Model.Profile().AcceptsToolChoice(*choice) {
			req.ToolChoice = choice
		}
		return req, false
	}
	if st.toolRound {
		if st.Model.Profile().AcceptsToolChoice(*glm.ChooseMode(glm.ToolChoiceAuto)) {
			req.ToolChoice = glm.ChooseMode(glm.ToolChoiceAuto)
		}
		return req, false
	}
	if st.Model.Profile().AcceptsToolChoice(*choice) {
		req.ToolChoice = choice
		return req, false
	}
	if choice.Function != "" {
		req.Tools = nil
		for _, t := range tools {
			if t.Function.Name == choice.Function {
				req.Tools = append(req.Tools, t)
			}
		}
	}
	return req, true
}

// wireMessages is the conversation as it is sent: a copy of the run's
// messages where elided tool results carry their notes, and tool calls whose
// arguments are not a JSON object carry {} (some endpoints refuse the next
// request otherwise; the tool message tells the model what it sent). The
// run's messages, and so the transcript, keep what the model sent. glm's
// client does the same in Encode; doing it here too keeps every Completer's
// requests, and the Recorder's copy of them, valid.
func (st *runState) wireMessages() []glm.Message {
	out := make([]glm.Message, len(st.res.Messages))
	for i, m := range st.res.Messages {
		if note, ok := st.budget.elided[i]; ok {
			m.Content = note
		}
		out[i] = sendableCalls(m)
	}
	return out
}

// sendableCalls returns m with every tool call's arguments a JSON object,
// copying the calls only when one must change.
func sendableCalls(m glm.Message) glm.Message {
	copied := false
	for i, c := range m.ToolCalls {
		args, ok := glm.SanitizeArguments(c.Function.Arguments)
		if ok {
			continue
		}
		if !copied {
			m.ToolCalls = append([]glm.ToolCall(nil), m.ToolCalls...)
			copied = true
		}
		m.ToolCalls[i].Function.Arguments = args
	}
	return m
}

// The two forms of the nudge. Only the bridge writes them, and IsNudge
// recognises exactly these, so callers never match the text themselves.
const nudgeGeneric = "Call one of the available tools now, before answering."

var nudgeNamed = regexp.MustCompile(`^Call the [a-zA-Z0-9_-]{1,64} tool now, before answering\.$`)

// nudgeText asks the model, once, to call a tool when the user required one
// and the endpoint could not be told so.
func nudgeText(choice *glm.ToolChoice) string {
	if choice != nil && choice.Function != "" {
		return fmt.Sprintf("Call the %s tool now, before answering.", choice.Function)
	}
	return nudgeGeneric
}

func nudgeMessage(choice *glm.ToolChoice) glm.Message {
	return glm.Message{Role: glm.RoleUser, Content: nudgeText(choice)}
}

// IsNudge reports whether m is a user message the loop added itself (when it
// emulates a required or named tool_choice on an endpoint that accepts only
// auto), rather than one the user wrote. Replay and export use it to skip
// such messages. The loop also reports each one as an EventNudge.
func IsNudge(m glm.Message) bool {
	return m.Role == glm.RoleUser && (m.Content == nudgeGeneric || nudgeNamed.MatchString(m.Content))
}
