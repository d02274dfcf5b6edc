package glmtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

// A two-step tool loop run by the real client: the scripted model calls a tool, then answers
// from the tool's result, which the second turn reads from the request.
func Example() {
	t := &exampleT{} // in a test: the test's t
	defer t.cleanup()

	srv := glmtest.New(t,
		glmtest.Turn{
			Reasoning: "The user wants the weather.",
			Content:   "Let me check.",
			ToolCalls: []glmtest.Call{{Name: "weather", Arguments: `{"city":"Florence"}`}},
		},
		glmtest.Turn{Respond: func(req glm.Request) glmtest.Turn {
			return glmtest.Turn{Content: "It is " + glmtest.ToolResults(req)["call_1"] + " in Florence."}
		}},
	)

	p, _ := glm.LookupProfile("zai")
	c, err := glm.NewClient(glm.Config{Profile: p, BaseURL: srv.URL, APIKey: "sk-test-key"})
	if err != nil {
		fmt.Println(err)
		return
	}
	tools := []glm.Tool{{Function: glm.Function{Name: "weather",
		Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}}
	msgs := []glm.Message{{Role: glm.RoleUser, Content: "What's the weather in Florence?"}}
	for range 4 {
		resp, err := c.Complete(context.Background(), glm.Request{Messages: msgs, Tools: tools, Stream: true}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		m := resp.Message()
		msgs = append(msgs, m) // echoed back unchanged, reasoning and tool-call ids included
		if len(m.ToolCalls) == 0 {
			fmt.Println(resp.Choices[0].FinishReason, m.Content)
			break
		}
		for _, tc := range m.ToolCalls {
			fmt.Println(resp.Choices[0].FinishReason, tc.ID, tc.Function.Name, tc.Function.Arguments)
			msgs = append(msgs, glm.Message{Role: glm.RoleTool, ToolCallID: tc.ID, Content: "24 °C"})
		}
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.N, r.Status, r.Header.Get("Authorization"), r.Body.Stream, len(r.Body.Messages))
	}
	// Output:
	// tool_calls call_1 weather {"city":"Florence"}
	// stop It is 24 °C in Florence.
	// 1 200 Bearer sk-test-key true 1
	// 2 200 Bearer sk-test-key true 3
}

// exampleT stands in for the *testing.T that a test passes to glmtest.New; an example has
// none. Only the methods below are called.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (*exampleT) Helper()                           {}
func (e *exampleT) Cleanup(f func())                { e.cleanups = append(e.cleanups, f) }
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (e *exampleT) cleanup() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}
