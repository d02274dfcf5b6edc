package glm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
)

// longStream builds a stream shaped like a real GLM-4.7 turn with tool_stream: reasoning
// deltas, then content deltas, then two tool calls in argument fragments, then the final chunk
// twice (as the real recording has it) and [DONE]. It returns the body and its chunk count.
func longStream(reasoning, content, fragments int) ([]byte, int) {
	var b bytes.Buffer
	head := `{"id":"20260313050448e162ecc8207a4c47","created":1773349488,"object":"chat.completion.chunk","model":"glm-4.7","choices":[{"index":0,"delta":`
	n := 0
	write := func(delta string) {
		b.WriteString("data: " + head + delta + "}]}\n\n")
		n++
	}
	for i := range reasoning {
		write(fmt.Sprintf(`{"role":"assistant","reasoning_content":" step %d of the plan"}`, i))
	}
	for i := range content {
		write(fmt.Sprintf(`{"role":"assistant","content":" word%d"}`, i))
	}
	for call := range 2 {
		write(fmt.Sprintf(`{"tool_calls":[{"id":"call_%024d","index":%d,"type":"function","function":{"name":"search_content","arguments":""}}]}`, call, call))
		for i := range fragments / 2 {
			frag, _ := json.Marshal(fmt.Sprintf(`"k%d":"v%d",`, i, i))
			write(fmt.Sprintf(`{"tool_calls":[{"index":%d,"function":{"arguments":%s}}]}`, call, frag))
		}
	}
	final := "data: " + head + `{"role":"assistant","content":""},"finish_reason":"tool_calls"}],` +
		`"usage":{"prompt_tokens":275,"completion_tokens":112,"total_tokens":387,"prompt_tokens_details":{"cached_tokens":43},"completion_tokens_details":{"reasoning_tokens":64}}}` + "\n\n"
	b.WriteString(final + final + "data: [DONE]\n\n")
	return b.Bytes(), n + 3
}

// BenchmarkParseStream measures the SSE reader and the assembler together on a 5,000-chunk
// stream: throughput in MB/s and allocations per chunk.
func BenchmarkParseStream(b *testing.B) {
	body, chunks := longStream(1500, 1500, 2000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	events := 0
	emit := func(Event) { events++ }
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		resp, err := ParseStream(bytes.NewReader(body), emit)
		if err != nil || len(resp.Choices[0].Message.ToolCalls) != 2 {
			b.Fatalf("ParseStream: %v", err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*chunks), "allocs/chunk")
	b.ReportMetric(float64(chunks), "chunks/op")
}
