package glm

import (
	"encoding/json"
	"fmt"
	"time"
)

// Response is the result of a completion, streamed or not: the same fields either way. Its JSON
// form is the non-streaming wire shape, so an assembled stream can be stored like a plain
// response.
type Response struct {
	ID string `json:"id"`
	// RequestID is the body's request_id; for streams, which do not carry it, the x-log-id
	// header (the two are equal).
	RequestID string `json:"request_id,omitempty"`
	// LogID is the x-log-id response header.
	LogID   string   `json:"-"`
	Created int64    `json:"created,omitempty"`
	Model   string   `json:"model,omitempty"`
	Object  string   `json:"object,omitempty"`
	Choices []Choice `json:"choices"`
	// Usage is nil when the endpoint reported none.
	Usage *Usage `json:"usage,omitempty"`
	// Exchange records the HTTP exchange for a transcript store.
	Exchange Exchange `json:"-"`
}

// MarshalJSON writes the non-streaming wire shape, tool calls with their index (which a
// Message sent back leaves out).
func (r Response) MarshalJSON() ([]byte, error) {
	type plain Response
	type indexedCall struct {
		ID       string       `json:"id"`
		Index    int          `json:"index"`
		Type     string       `json:"type"`
		Function FunctionCall `json:"function"`
	}
	type choiceOut struct {
		Index        int                      `json:"index"`
		Message      messageWire[indexedCall] `json:"message"`
		FinishReason FinishReason             `json:"finish_reason"`
	}
	out := struct {
		plain
		Choices []choiceOut `json:"choices"`
	}{plain: plain(r), Choices: make([]choiceOut, len(r.Choices))}
	for i, c := range r.Choices {
		var calls []indexedCall
		for _, tc := range c.Message.ToolCalls {
			calls = append(calls, indexedCall{tc.ID, tc.Index, tc.Type, tc.Function})
		}
		out.Choices[i] = choiceOut{Index: c.Index, Message: wireMessage(c.Message, calls), FinishReason: c.FinishReason}
	}
	return json.Marshal(out)
}

// Exchange is what a transcript keeps of one completion call.
type Exchange struct {
	// RequestBody is the JSON body as sent. The key travels only in the Authorization header,
	// so it is never in here.
	RequestBody []byte
	// ResponseBody is the raw body of a non-streaming answer, or the assembled stream in the
	// non-streaming shape.
	ResponseBody []byte
	// Status is the HTTP status of the last attempt.
	Status int
	// Latency runs from sending the last attempt to the end of its body.
	Latency time.Duration
	// Attempts counts the HTTP requests made, retries included.
	Attempts int
	// Streamed is true when the answer came as server-sent events.
	Streamed bool
}

// Choice is one generated answer.
type Choice struct {
	Index        int          `json:"index"`
	Message      Message      `json:"message"`
	FinishReason FinishReason `json:"finish_reason"`
}

// Message returns the first choice's message, or an empty assistant message if there is none.
func (r *Response) Message() Message {
	if r == nil || len(r.Choices) == 0 {
		return Message{Role: RoleAssistant}
	}
	return r.Choices[0].Message
}

// Err returns the first choice's abnormal finish as a *FinishError, or nil.
func (r *Response) Err() error {
	if r == nil {
		return nil
	}
	for _, c := range r.Choices {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Err returns a *FinishError when the choice ended abnormally (content filter, provider network
// error, token limit, context window), else nil.
func (c Choice) Err() error {
	if c.FinishReason.Abnormal() {
		return &FinishError{Choice: c.Index, Reason: c.FinishReason}
	}
	return nil
}

// FinishReason says why generation stopped.
type FinishReason string

// Finish reasons GLM sends.
const (
	FinishStop                  FinishReason = "stop"
	FinishToolCalls             FinishReason = "tool_calls"
	FinishLength                FinishReason = "length"
	FinishSensitive             FinishReason = "sensitive"
	FinishNetworkError          FinishReason = "network_error"
	FinishContextWindowExceeded FinishReason = "model_context_window_exceeded"
)

// Abnormal reports whether the reason means the answer is cut or withheld.
func (f FinishReason) Abnormal() bool {
	switch f {
	case FinishLength, FinishSensitive, FinishNetworkError, FinishContextWindowExceeded:
		return true
	}
	return false
}

// FinishError is an answer that ended abnormally. The Response still holds what was generated.
type FinishError struct {
	Choice int
	Reason FinishReason
}

// Kind sorts the outcome like an API error.
func (e *FinishError) Kind() ErrorKind {
	switch e.Reason {
	case FinishSensitive:
		return KindContentFilter
	case FinishNetworkError:
		return KindServer
	case FinishLength:
		return KindLength
	case FinishContextWindowExceeded:
		return KindContextTooLong
	}
	return KindUnknown
}

// Error says why the answer stopped and what the user can do.
func (e *FinishError) Error() string {
	switch e.Reason {
	case FinishSensitive:
		return "glm: the provider's content filter stopped the answer (finish_reason sensitive)"
	case FinishNetworkError:
		return "glm: the provider had a network error while generating; the answer may be incomplete, try again (finish_reason network_error)"
	case FinishLength:
		return "glm: the answer hit the token limit; raise max_tokens or max_completion_tokens (finish_reason length)"
	case FinishContextWindowExceeded:
		return "glm: the conversation exceeds the model's context window; shorten it (finish_reason model_context_window_exceeded)"
	}
	return fmt.Sprintf("glm: generation ended with finish_reason %q", string(e.Reason))
}

// Usage counts tokens. CachedTokens and ReasoningTokens come from the nested
// prompt_tokens_details and completion_tokens_details objects.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	CachedTokens     int
	ReasoningTokens  int
}

// Plus returns the sum of two usages, for the totals of several calls.
func (u Usage) Plus(o Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + o.PromptTokens,
		CompletionTokens: u.CompletionTokens + o.CompletionTokens,
		TotalTokens:      u.TotalTokens + o.TotalTokens,
		CachedTokens:     u.CachedTokens + o.CachedTokens,
		ReasoningTokens:  u.ReasoningTokens + o.ReasoningTokens,
	}
}

type usageWire struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details,omitempty"`
}

// UnmarshalJSON reads the wire shape.
func (u *Usage) UnmarshalJSON(b []byte) error {
	var w usageWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = Usage{PromptTokens: w.PromptTokens, CompletionTokens: w.CompletionTokens, TotalTokens: w.TotalTokens}
	if w.PromptTokensDetails != nil {
		u.CachedTokens = w.PromptTokensDetails.CachedTokens
	}
	if w.CompletionTokensDetails != nil {
		u.ReasoningTokens = w.CompletionTokensDetails.ReasoningTokens
	}
	return nil
}

// MarshalJSON writes the wire shape.
func (u Usage) MarshalJSON() ([]byte, error) {
	w := usageWire{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	w.PromptTokensDetails = &struct {
		CachedTokens int `json:"cached_tokens"`
	}{u.CachedTokens}
	if u.ReasoningTokens != 0 {
		w.CompletionTokensDetails = &struct {
			ReasoningTokens int `json:"reasoning_tokens"`
		}{u.ReasoningTokens}
	}
	return json.Marshal(w)
}

// decodeResponse reads a non-streaming body. A 200 body that is an error object becomes an
// *APIError.
func decodeResponse(body []byte) (*Response, *APIError, error) {
	var w struct {
		Response
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, nil, fmt.Errorf("glm: decode response: %w", err)
	}
	if len(w.Error) > 0 && string(w.Error) != "null" && len(w.Choices) == 0 {
		e := &APIError{Status: 200}
		e.Code, e.Message, e.RequestID = decodeErrorBody(body)
		return nil, e, nil
	}
	r := w.Response
	for i := range r.Choices {
		for j := range r.Choices[i].Message.ToolCalls {
			tc := &r.Choices[i].Message.ToolCalls[j]
			if tc.Type == "" {
				tc.Type = "function"
			}
		}
	}
	return &r, nil, nil
}
