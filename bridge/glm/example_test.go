package glm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// A streamed turn with a tool call, played by a local server from a real recording.
func ExampleClient_Complete() {
	body, _ := os.ReadFile("testdata/stream_glm47flash_tool_call_no_tool_stream.sse")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	p, _ := glm.LookupProfile("zai-coding")
	c, err := glm.NewClient(glm.Config{Profile: p, BaseURL: srv.URL, APIKey: "sk-from-ZAI_API_KEY"})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Complete(context.Background(), glm.Request{
		Messages: []glm.Message{{Role: glm.RoleUser, Content: "What's the weather in Florence?"}},
		Tools: []glm.Tool{{Function: glm.Function{Name: "weather",
			Parameters: []byte(`{"type":"object","properties":{"location":{"type":"string"}}}`)}}},
		Stream: true,
	}, func(ev glm.Event) {
		if ev.Type == glm.EventContentDelta {
			fmt.Printf("[%s]", ev.Text)
		}
	})
	var api *glm.APIError
	if errors.As(err, &api) {
		fmt.Println(api.Kind, api.Retryable)
		return
	}
	m := resp.Message()
	fmt.Println()
	fmt.Println(resp.Choices[0].FinishReason, m.ToolCalls[0].ID, m.ToolCalls[0].Function.Name, m.ToolCalls[0].Function.Arguments)
	fmt.Println(resp.Usage.TotalTokens, resp.Usage.ReasoningTokens, resp.Err())
	// Output:
	// [I]['ll][ get][ the][ current][ weather][ information][ for][ Florence][,][ Italy][ for][ you][.]
	// tool_calls call_3532c842716b4c72a7dd7498 weather {"location":"Florence,Italy"}
	// 266 65 <nil>
}
