package glm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sse(chunks ...string) string {
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString("data: " + c + "\n\n")
	}
	return b.String()
}

func TestParseStream(t *testing.T) {
	const final = `{"id":"a","choices":[{"index":0,"finish_reason":"stop","delta":{"content":""}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`
	tests := []struct {
		name        string
		in          string
		wantErr     error
		wantContent string
		wantCalls   []ToolCall
		wantUsage   *Usage
		wantUsageEv int
		wantFinish  FinishReason
	}{
		{
			name:        "final chunk repeated counts usage once",
			in:          sse(`{"id":"a","choices":[{"index":0,"delta":{"content":"x"}}]}`, final, final, "[DONE]"),
			wantContent: "x", wantFinish: FinishStop, wantUsageEv: 1,
			wantUsage: &Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3},
		},
		{
			name: "usage-only chunk with empty choices",
			in: sse(`{"id":"a","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}`,
				`{"id":"a","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9,"completion_tokens_details":{"reasoning_tokens":2}}}`, "[DONE]"),
			wantContent: "x", wantFinish: FinishStop, wantUsageEv: 1,
			wantUsage: &Usage{PromptTokens: 4, CompletionTokens: 5, TotalTokens: 9, ReasoningTokens: 2},
		},
		{
			name: "tool call repeated whole in a repeated final chunk is kept once",
			in: sse(`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","index":0,"function":{"name":"f","arguments":"{\"a\":1}"}}]}}]}`,
				`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","index":0,"function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}]}`,
				"[DONE]"),
			wantFinish: FinishToolCalls,
			wantCalls:  []ToolCall{{ID: "c1", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"a":1}`}}},
		},
		{
			name: "arguments sent as an object",
			in: sse(`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","index":0,"type":"function","function":{"name":"f","arguments":{"a":1}}}]},"finish_reason":"tool_calls"}]}`,
				"[DONE]"),
			wantFinish: FinishToolCalls,
			wantCalls:  []ToolCall{{ID: "c1", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"a":1}`}}},
		},
		{
			name: "fragments by index, interleaved, out of order",
			in: sse(`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c2","index":1,"function":{"name":"g","arguments":""}}]}}]}`,
				`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","index":0,"function":{"name":"f","arguments":"{\"x\""}}]}}]}`,
				`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}}]}`,
				`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":2}"}}]}}]}`,
				`{"choices":[{"index":0,"finish_reason":"tool_calls","delta":{}}]}`),
			wantFinish: FinishToolCalls,
			wantCalls: []ToolCall{{ID: "c1", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"x":2}`}},
				{ID: "c2", Type: "function", Index: 1, Function: FunctionCall{Name: "g", Arguments: `{}`}}},
		},
		{
			name: "fragments without index follow the last call",
			in: sse(`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{\"a\""}}]}}]}`,
				`{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":":1}"}}]}}]}`,
				`{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c2","function":{"name":"g","arguments":"{}"}}]}}]}`,
				`{"choices":[{"index":0,"finish_reason":"tool_calls","delta":{}}]}`),
			wantFinish: FinishToolCalls,
			wantCalls: []ToolCall{{ID: "c1", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"a":1}`}},
				{ID: "c2", Type: "function", Index: 1, Function: FunctionCall{Name: "g", Arguments: `{}`}}},
		},
		{
			name:        "ends after finish without [DONE]",
			in:          sse(`{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"length"}]}`),
			wantContent: "x", wantFinish: FinishLength,
		},
		{
			name:        "ends before finish",
			in:          sse(`{"choices":[{"index":0,"delta":{"content":"x"}}]}`),
			wantContent: "x", wantErr: ErrIncompleteStream,
		},
		{
			name:        "context window exceeded",
			in:          sse(`{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"model_context_window_exceeded"}]}`, "[DONE]"),
			wantContent: "x", wantFinish: FinishContextWindowExceeded,
		},
		{
			name:        "anything after [DONE] is ignored",
			in:          sse(`{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}`, "[DONE]", `{"choices":[{"index":0,"delta":{"content":"y"}}]}`),
			wantContent: "x", wantFinish: FinishStop,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log eventLog
			resp, err := ParseStream(strings.NewReader(tt.in), log.add)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			c := resp.Choices[0]
			if c.Message.Content != tt.wantContent || c.FinishReason != tt.wantFinish {
				t.Errorf("content %q finish %q", c.Message.Content, c.FinishReason)
			}
			if !reflect.DeepEqual(c.Message.ToolCalls, tt.wantCalls) {
				t.Errorf("calls = %+v\nwant %+v", c.Message.ToolCalls, tt.wantCalls)
			}
			for _, tc := range c.Message.ToolCalls {
				if got := log.args(0, tc.Index); got != tc.Function.Arguments {
					t.Errorf("argument events for %d = %q", tc.Index, got)
				}
			}
			if !reflect.DeepEqual(resp.Usage, tt.wantUsage) || log.count(EventUsage) != tt.wantUsageEv {
				t.Errorf("usage = %+v (%d events), want %+v", resp.Usage, log.count(EventUsage), tt.wantUsage)
			}
		})
	}
}

func TestParseStream_severalChoices(t *testing.T) {
	in := sse(`{"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"}}]}`,
		`{"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}`,
		`{"choices":[{"index":1,"delta":{"content":"b"},"finish_reason":"length"}]}`, "[DONE]")
	var log eventLog
	resp, err := ParseStream(strings.NewReader(in), log.add)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 2 || resp.Choices[0].Message.Content != "Aa" || resp.Choices[1].Message.Content != "Bb" ||
		resp.Choices[1].FinishReason != FinishLength || log.text(1, EventContentDelta) != "Bb" {
		t.Fatalf("choices = %+v", resp.Choices)
	}
	var fe *FinishError
	if !errors.As(resp.Err(), &fe) || fe.Choice != 1 || fe.Kind() != KindLength {
		t.Errorf("Response.Err() = %v", resp.Err())
	}
}

func TestAssembler_Feed_errors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantCode string
		wantText string
	}{
		{"error frame with string code", `{"error":{"code":"1302","message":"Rate limit reached for requests"}}`, "1302", "Rate limit"},
		{"error frame with integer code", `{"error":{"code":1234,"message":"Network error"}}`, "1234", "Network error"},
		{"not JSON", `{"choices":[`, "", "decode stream chunk"},
		{"bad arguments string", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"unterminated}}]}}]}`, "", "decode stream chunk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewAssembler().Feed([]byte(tt.data), nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantText)
			}
			var api *APIError
			if (tt.wantCode != "") != errors.As(err, &api) || api != nil && api.Code != tt.wantCode {
				t.Errorf("err = %#v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestToolCallAssembler_Add(t *testing.T) {
	tests := []struct {
		name  string
		frags []ToolCallFragment
		want  []ToolCall
		nEv   int
	}{
		{
			name: "name and id arrive once, arguments in pieces",
			frags: []ToolCallFragment{{Index: 0, HasIndex: true, ID: "c", Name: "f"},
				{Index: 0, HasIndex: true, Arguments: `{"a"`}, {Index: 0, HasIndex: true, Arguments: `:1}`}},
			want: []ToolCall{{ID: "c", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"a":1}`}}},
			nEv:  3,
		},
		{
			name: "the same id at two indexes stays two calls",
			frags: []ToolCallFragment{{Index: 0, HasIndex: true, ID: "same", Name: "f", Arguments: "{}"},
				{Index: 1, HasIndex: true, ID: "same", Name: "g", Arguments: "{}"}},
			want: []ToolCall{{ID: "same", Type: "function", Function: FunctionCall{Name: "f", Arguments: "{}"}},
				{ID: "same", Type: "function", Index: 1, Function: FunctionCall{Name: "g", Arguments: "{}"}}},
			nEv: 2,
		},
		{
			name: "a repeated whole call is dropped",
			frags: []ToolCallFragment{{Index: 0, HasIndex: true, ID: "c", Name: "f", Arguments: `{"a":1}`},
				{Index: 0, HasIndex: true, ID: "c", Name: "f", Arguments: `{"a":1}`}},
			want: []ToolCall{{ID: "c", Type: "function", Function: FunctionCall{Name: "f", Arguments: `{"a":1}`}}},
			nEv:  1,
		},
		{
			name: "a late id and name fill the gaps",
			frags: []ToolCallFragment{{Index: 2, HasIndex: true, Arguments: `{`},
				{Index: 2, HasIndex: true, ID: "c", Name: "f", Type: "function", Arguments: `}`}},
			want: []ToolCall{{ID: "c", Type: "function", Index: 2, Function: FunctionCall{Name: "f", Arguments: `{}`}}},
			nEv:  2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a ToolCallAssembler
			n := 0
			for _, f := range tt.frags {
				if _, ok := a.Add(f); ok {
					n++
				}
			}
			if got := a.Calls(); !reflect.DeepEqual(got, tt.want) || n != tt.nEv {
				t.Errorf("Calls() = %+v (%d events)\nwant %+v (%d)", got, n, tt.want, tt.nEv)
			}
		})
	}
}
