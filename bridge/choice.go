package bridge

import (
	"fmt"

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
func (st *runState) request() (glm.Request, bool) {
	req := st.Template
	req.Messages = st.res.Messages
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

// nudgeText asks the model, once, to call a tool when the user required one
// and the endpoint could not be told so.
func nudgeText(choice *glm.ToolChoice) string {
	if choice != nil && choice.Function != "" {
		return fmt.Sprintf("Call the %s tool now, before answering.", choice.Function)
	}
	return "Call one of the available tools now, before answering."
}
