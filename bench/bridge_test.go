// Package bench holds benchmarks that measure glm-mcp side by side with its
// peers, or its parts end to end (see files.sh for the files toolkit).
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
	"github.com/glm-mcp/glm-mcp/store"
)

// toolServer is a real MCP server, reached through mcp-go's in-process client,
// with a tool that sleeps and one that answers at once.
func toolServer(b *testing.B, sleep time.Duration) *bridge.Catalog {
	b.Helper()
	s := server.NewMCPServer("bench", "1")
	ro := true
	s.AddTool(mcp.NewTool("sleep", mcp.WithString("id"), mcp.WithToolAnnotation(mcp.ToolAnnotation{ReadOnlyHint: &ro})),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			select {
			case <-time.After(sleep):
			case <-ctx.Done():
			}
			return mcp.NewToolResultText("slept"), nil
		})
	s.AddTool(mcp.NewTool("echo", mcp.WithString("text"), mcp.WithToolAnnotation(mcp.ToolAnnotation{ReadOnlyHint: &ro})),
		func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(req.GetString("text", "")), nil
		})
	c, err := client.NewInProcessClient(s)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := bridge.NewServer(context.Background(), "bench", c, true)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := bridge.NewCatalog([]*bridge.Server{srv}, bridge.CatalogOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return cat
}

// BenchmarkRunner_EightParallelCalls: one step whose answer calls a 200 ms
// tool eight times, against the fake GLM endpoint over real HTTP+SSE.
// PRODUCT.md's target: the step takes under 300 ms with parallel calls.
func BenchmarkRunner_EightParallelCalls(b *testing.B) {
	cat := toolServer(b, 200*time.Millisecond)
	for _, parallel := range []bool{true, false} {
		b.Run(fmt.Sprintf("parallel=%v", parallel), func(b *testing.B) {
			var calls []glmtest.Call
			for i := range 8 {
				calls = append(calls, glmtest.Call{Name: "sleep", Arguments: fmt.Sprintf(`{"id":"%d"}`, i)})
			}
			fake := glmtest.New(b)
			fake.SetDefault(glmtest.Turn{Respond: func(req glm.Request) glmtest.Turn {
				if req.Messages[len(req.Messages)-1].Role == glm.RoleTool {
					return glmtest.Turn{Content: "done"}
				}
				return glmtest.Turn{ToolCalls: calls}
			}})
			model := newClient(b, fake.URL)
			r := &bridge.Runner{Model: model, Catalog: cat, Template: glm.Request{Model: "glm-4.7", Stream: true}, ParallelToolCalls: parallel}
			b.ResetTimer()
			for b.Loop() {
				if _, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "sleep"}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/tool-step")
		})
	}
}

func newClient(b *testing.B, url string) *glm.Client {
	p, _ := glm.LookupProfile("zai")
	c, err := glm.NewClient(glm.Config{Profile: p, BaseURL: url, APIKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// instantModel answers at once, without HTTP: it calls echo on odd steps and
// answers on even ones, so every run is two steps.
type instantModel struct{ profile glm.Profile }

func (m *instantModel) Complete(_ context.Context, req glm.Request, _ func(glm.Event)) (*glm.Response, error) {
	msg := glm.Message{Role: "assistant", Content: "ok"}
	if req.Messages[len(req.Messages)-1].Role == glm.RoleUser {
		msg = glm.Message{Role: "assistant", ToolCalls: []glm.ToolCall{{ID: "c1", Type: "function", Function: glm.FunctionCall{Name: "echo", Arguments: `{"text":"hi"}`}}}}
	}
	body, _ := json.Marshal(req)
	return &glm.Response{Choices: []glm.Choice{{Message: msg}}, Usage: &glm.Usage{TotalTokens: 1}, Exchange: glm.Exchange{RequestBody: body, Status: 200}}, nil
}
func (m *instantModel) Encode(req glm.Request) ([]byte, error) { return json.Marshal(req) }
func (m *instantModel) Profile() glm.Profile                   { return m.profile }

// BenchmarkRunner_StepOverhead: the bridge's own cost per step with a model
// that answers instantly and an instant tool over MCP, without and with the
// transcript store recording every event. PRODUCT.md's target: under 2 ms
// plus the store's write.
func BenchmarkRunner_StepOverhead(b *testing.B) {
	cat := toolServer(b, 0)
	p, _ := glm.LookupProfile("zai")
	for _, withStore := range []bool{false, true} {
		b.Run(fmt.Sprintf("store=%v", withStore), func(b *testing.B) {
			r := &bridge.Runner{Model: &instantModel{profile: p}, Catalog: cat, Template: glm.Request{Model: "glm-4.7"}, ParallelToolCalls: true}
			var st *store.Store
			if withStore {
				var err error
				st, err = store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
			}
			steps := 0
			b.ResetTimer()
			for b.Loop() {
				if st != nil {
					id, err := st.CreateTranscript(context.Background(), store.TranscriptMeta{Title: "bench", Provider: "zai", Model: "glm-4.7"})
					if err != nil {
						b.Fatal(err)
					}
					r.Recorder = &recorder{st: st, id: id}
				}
				res, err := r.Run(context.Background(), []glm.Message{{Role: "user", Content: "hi"}})
				if err != nil {
					b.Fatal(err)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(steps), "µs/step")
		})
	}
}

// recorder records into the store, as glm-mcp ask does.
type recorder struct {
	st *store.Store
	id string
}

func (r *recorder) RecordMessage(ctx context.Context, m glm.Message) error {
	calls, _ := json.Marshal(m.ToolCalls)
	return r.st.AppendMessage(ctx, r.id, store.Message{Role: m.Role, Content: m.Content, Reasoning: m.ReasoningContent, ToolCalls: calls, ToolCallID: m.ToolCallID})
}

func (r *recorder) RecordToolExecution(ctx context.Context, e bridge.ToolExecution) error {
	return r.st.RecordToolExecution(ctx, r.id, store.ToolExecution{Step: e.Step, CallID: e.CallID, Tool: e.Tool, Server: e.Server, Arguments: e.Arguments, Result: e.Result, IsError: e.IsError, Started: e.Started, Duration: e.Duration})
}

func (r *recorder) RecordCompletion(ctx context.Context, c bridge.Completion) error {
	return r.st.RecordCompletion(ctx, r.id, store.Completion{Step: c.Step, RequestBody: c.RequestBody, ResponseBody: c.ResponseBody, HTTPStatus: c.HTTPStatus, Latency: c.Latency})
}
