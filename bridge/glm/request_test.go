package glm

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestRequest_MarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{
			name: "unset fields are omitted",
			req:  Request{Model: "glm-4.7", Messages: []Message{{Role: RoleUser, Content: "hi"}}},
			want: `{"model":"glm-4.7","messages":[{"role":"user","content":"hi"}]}`,
		},
		{
			name: "zero values that were set are sent",
			req: Request{Model: "m", Messages: []Message{{Role: RoleUser, Content: "hi"}}, Temperature: Ptr(0.0),
				PresencePenalty: Ptr(0.0), ParallelToolCalls: Ptr(false), N: Ptr(1)},
			want: `{"model":"m","messages":[{"role":"user","content":"hi"}],"parallel_tool_calls":false,"n":1,"temperature":0,"presence_penalty":0}`,
		},
		{
			name: "assistant with empty content and a tool call keeps content",
			req: Request{Model: "m", Messages: []Message{{Role: RoleAssistant, Content: "", ReasoningContent: "r",
				ToolCalls: []ToolCall{{ID: "call_1", Type: "function", Index: 3, Function: FunctionCall{Name: "f", Arguments: "{}"}}}}}},
			want: `{"model":"m","messages":[{"role":"assistant","content":"","reasoning_content":"r","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`,
		},
		{
			name: "named tool choice and json_schema format",
			req: Request{Model: "m", Messages: []Message{{Role: RoleUser, Content: "hi"}}, ToolChoice: ChooseFunction("f"),
				ResponseFormat: &ResponseFormat{Type: FormatJSONSchema, JSONSchema: &JSONSchema{Name: "out", Schema: json.RawMessage(`{"type":"object"}`)}},
				Stop:           []string{"END"}, FrequencyPenalty: Ptr(-1.5), MaxCompletionTokens: Ptr(10)},
			want: `{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"function","function":{"name":"f"}},"max_completion_tokens":10,"frequency_penalty":-1.5,"response_format":{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"}}},"stop":["END"]}`,
		},
		{
			name: "tool type defaults to function",
			req:  Request{Model: "m", Messages: []Message{{Role: RoleUser, Content: "hi"}}, Tools: []Tool{{Function: Function{Name: "f"}}}, DoSample: Ptr(true)},
			want: `{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"do_sample":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestToolChoice_UnmarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ToolChoice
	}{
		{"string", `"required"`, ToolChoice{Mode: "required"}},
		{"named", `{"type":"function","function":{"name":"f"}}`, ToolChoice{Function: "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ToolChoice
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
				t.Errorf("got %+v, %v", got, err)
			}
			back, _ := json.Marshal(got)
			if string(back) != tt.in {
				t.Errorf("round trip = %s", back)
			}
		})
	}
}

func TestRequest_Validate(t *testing.T) {
	base := func() Request {
		return Request{Messages: []Message{{Role: RoleSystem, Content: "s"}, {Role: RoleUser, Content: "u"}},
			Tools: []Tool{{Function: Function{Name: "f"}}}}
	}
	tests := []struct {
		name      string
		mod       func(r *Request)
		wantParam string
		wantMsg   string
	}{
		{"valid", func(r *Request) {}, "", ""},
		{"every bound at its edge", func(r *Request) {
			r.Temperature, r.TopP, r.FrequencyPenalty, r.PresencePenalty = Ptr(1.0), Ptr(0.01), Ptr(-2.0), Ptr(2.0)
			r.MaxTokens, r.MaxCompletionTokens, r.N = Ptr(131072), Ptr(1), Ptr(1)
			r.UserID = "abcdef"
		}, "", ""},
		{"temperature above 1", func(r *Request) { r.Temperature = Ptr(1.5) }, "temperature", "allowed 0 to 1"},
		{"temperature NaN", func(r *Request) { r.Temperature = Ptr(math.NaN()) }, "temperature", "allowed 0 to 1"},
		{"top_p zero", func(r *Request) { r.TopP = Ptr(0.0) }, "top_p", "allowed 0.01 to 1"},
		{"frequency penalty", func(r *Request) { r.FrequencyPenalty = Ptr(2.5) }, "frequency_penalty", "allowed -2 to 2"},
		{"presence penalty", func(r *Request) { r.PresencePenalty = Ptr(-3.0) }, "presence_penalty", "allowed -2 to 2"},
		{"max_tokens zero", func(r *Request) { r.MaxTokens = Ptr(0) }, "max_tokens", "allowed 1 to 131072"},
		{"max_tokens too big", func(r *Request) { r.MaxTokens = Ptr(131073) }, "max_tokens", "allowed 1 to 131072"},
		{"reasoning_effort xhigh", func(r *Request) { r.ReasoningEffort = "xhigh" }, "", ""},
		{"reasoning_effort unknown", func(r *Request) { r.ReasoningEffort = "extreme" }, "reasoning_effort", "allowed none, minimal, low, medium, high, xhigh, max"},
		{"tool_stream on glm-4.5", func(r *Request) { r.Model, r.Stream, r.ToolStream = "glm-4.5", true, Ptr(true) }, "tool_stream", "glm-4.5 does not stream tool arguments"},
		{"tool_stream on glm-4.7", func(r *Request) { r.Model, r.Stream, r.ToolStream = "glm-4.7", true, Ptr(true) }, "", ""},
		{"max_completion_tokens", func(r *Request) { r.MaxCompletionTokens = Ptr(-1) }, "max_completion_tokens", "allowed 1 to 131072"},
		{"n zero", func(r *Request) { r.N = Ptr(0) }, "n", "allowed 1 or more"},
		{"user_id short", func(r *Request) { r.UserID = "abc" }, "user_id", "allowed 6 to 128"},
		{"empty stop", func(r *Request) { r.Stop = []string{""} }, "stop", "empty"},
		{"thinking type", func(r *Request) { r.Thinking = &Thinking{Type: "on"} }, "thinking", `"enabled" or "disabled"`},
		{"tool_stream without stream", func(r *Request) { r.ToolStream = Ptr(true) }, "tool_stream", "stream"},
		{"response format type", func(r *Request) { r.ResponseFormat = &ResponseFormat{Type: "yaml"} }, "response_format", "allowed text, json_object or json_schema"},
		{"json_schema without name", func(r *Request) { r.ResponseFormat = &ResponseFormat{Type: FormatJSONSchema} }, "response_format", "name"},
		{"tool_choice without tools", func(r *Request) { r.Tools = nil; r.ToolChoice = ChooseMode("auto") }, "tool_choice", "1210"},
		{"tool_choice names an unknown tool", func(r *Request) { r.ToolChoice = ChooseFunction("g") }, "tool_choice", "not among the tools"},
		{"tool_choice mode", func(r *Request) { r.ToolChoice = ChooseMode("any") }, "tool_choice", "allowed none, auto, required"},
		{"bad tool name", func(r *Request) { r.Tools[0].Function.Name = "a b" }, "tools", "must match"},
		{"duplicate tool", func(r *Request) { r.Tools = append(r.Tools, r.Tools[0]) }, "tools", "twice"},
		{"tool parameters not an object", func(r *Request) { r.Tools[0].Function.Parameters = json.RawMessage(`[1]`) }, "tools", "JSON Schema object"},
		{"too many tools", func(r *Request) {
			r.Tools = nil
			for i := range 129 {
				r.Tools = append(r.Tools, Tool{Function: Function{Name: "t" + strings.Repeat("x", i%10) + string(rune('a'+i%26)) + string(rune('a'+i/26))}})
			}
		}, "tools", "at most 128"},
		{"no messages", func(r *Request) { r.Messages = nil }, "messages", "at least one"},
		{"empty user content", func(r *Request) { r.Messages[1].Content = "" }, "messages", "user content is empty"},
		{"two user turns in a row", func(r *Request) { r.Messages = append(r.Messages, Message{Role: RoleUser, Content: "again"}) }, "messages", "1214"},
		{"unknown role", func(r *Request) { r.Messages[0].Role = "developer" }, "messages", "allowed system, user, assistant or tool"},
		{"made-up tool call id", func(r *Request) {
			r.Messages = append(r.Messages,
				Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Function: FunctionCall{Name: "f"}}}},
				Message{Role: RoleTool, ToolCallID: "call_2", Content: "x"})
		}, "messages", `"call_2" answers no call`},
		{"tool call without a result", func(r *Request) {
			r.Messages = append(r.Messages,
				Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Function: FunctionCall{Name: "f"}}, {ID: "call_2", Function: FunctionCall{Name: "f"}}}},
				Message{Role: RoleTool, ToolCallID: "call_1", Content: "x"},
				Message{Role: RoleUser, Content: "next"})
		}, "messages", `"call_2" of the assistant message before message 4 has 0 results`},
		{"tool call answered twice", func(r *Request) {
			r.Messages = append(r.Messages,
				Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Function: FunctionCall{Name: "f"}}}},
				Message{Role: RoleTool, ToolCallID: "call_1", Content: "x"},
				Message{Role: RoleTool, ToolCallID: "call_1", Content: "y"})
		}, "messages", "has 2 results"},
		{"results answered in any order", func(r *Request) {
			r.Messages = append(r.Messages,
				Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Function: FunctionCall{Name: "f"}}, {ID: "call_2", Function: FunctionCall{Name: "f"}}}},
				Message{Role: RoleTool, ToolCallID: "call_2", Content: "x"},
				Message{Role: RoleTool, ToolCallID: "call_1", Content: "y"})
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.mod(&r)
			err := r.Validate()
			if tt.wantParam == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != tt.wantParam || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Validate = %v, want a ParamError for %s containing %q", err, tt.wantParam, tt.wantMsg)
			}
		})
	}
}

func TestRequest_Validate_reportsEveryProblem(t *testing.T) {
	r := Request{Messages: []Message{{Role: RoleUser, Content: "u"}}, Temperature: Ptr(3.0), TopP: Ptr(2.0)}
	err := r.Validate()
	if err == nil || !strings.Contains(err.Error(), "temperature") || !strings.Contains(err.Error(), "top_p") {
		t.Fatalf("Validate = %v, want both problems", err)
	}
}

func TestFunctionCall_UnmarshalJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"string", `{"name":"f","arguments":"{\"a\":1}"}`, `{"a":1}`},
		{"object", `{"name":"f","arguments":{"a":1}}`, `{"a":1}`},
		{"null", `{"name":"f","arguments":null}`, ``},
		{"missing", `{"name":"f"}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f FunctionCall
			if err := json.Unmarshal([]byte(tt.in), &f); err != nil || f.Arguments != tt.want || f.Name != "f" {
				t.Errorf("got %+v, %v", f, err)
			}
		})
	}
}
