package glm

import (
	"bytes"
	"encoding/json"
	"slices"
)

// EmptyArguments is what SanitizeArguments puts in place of arguments that are not a JSON object.
const EmptyArguments = "{}"

// SanitizeArguments returns args if they are a JSON object, else EmptyArguments and false. A
// model sometimes writes broken arguments (cut by the token limit, or just invalid); sent back
// unchanged in the assistant message, some endpoints refuse the next turn. Client.Encode applies
// it to every assistant message it sends, so the loop need not: the transcript keeps what the
// model wrote, the wire gets valid JSON, and the tool result should tell the model its
// arguments were invalid.
func SanitizeArguments(args string) (string, bool) {
	b := bytes.TrimSpace([]byte(args))
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return args, true
	}
	return EmptyArguments, false
}

// sanitizeEcho returns msgs with the arguments of every assistant tool call sanitised. The
// caller's messages are not changed: the slice and the affected calls are copied.
func sanitizeEcho(msgs []Message) []Message {
	out := msgs
	copied := false
	for i, m := range msgs {
		if m.Role != RoleAssistant {
			continue
		}
		for j, tc := range m.ToolCalls {
			args, ok := SanitizeArguments(tc.Function.Arguments)
			if ok {
				continue
			}
			if !copied {
				out, copied = slices.Clone(msgs), true
			}
			if &out[i].ToolCalls[0] == &msgs[i].ToolCalls[0] {
				out[i].ToolCalls = slices.Clone(m.ToolCalls)
			}
			out[i].ToolCalls[j].Function.Arguments = args
		}
	}
	return out
}

// MissingToolCalls reports whether the first choice ended with finish_reason "tool_calls" but
// carried no tool call (reported for GLM-5.x). Such an answer is not a final answer: the loop
// should ask again once with the same request (nothing was run), and if it happens again, end
// with an error rather than report an empty success.
func (r *Response) MissingToolCalls() bool {
	if r == nil || len(r.Choices) == 0 {
		return false
	}
	c := r.Choices[0]
	return c.FinishReason == FinishToolCalls && len(c.Message.ToolCalls) == 0
}
