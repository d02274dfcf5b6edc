package glm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// recordedFixtures are the manifest's files used by the tests below rather than by the tables.
var recordedFixtures = []string{
	"error_429_1302_REAL.json",
	"stream_glm45flash_tool_index_minus1.chunks.json",
	"request_glm46_turn2_echo_without_content.json",
}

// TestClient_Complete_real429 replays the recorded 429 with its headers: a rate limit, retried
// with backoff (no Retry-After was sent), its x-log-id kept as the request id.
func TestClient_Complete_real429(t *testing.T) {
	var rec struct {
		Status  int                 `json:"status"`
		Headers map[string][]string `json:"headers"`
		Body    json.RawMessage     `json:"body"`
	}
	if err := json.Unmarshal(readFixture(t, "error_429_1302_REAL.json"), &rec); err != nil {
		t.Fatal(err)
	}
	r := reply{status: rec.Status, body: rec.Body, header: map[string]string{}}
	for k, v := range rec.Headers {
		r.header[k] = v[0]
	}
	f := newFakeAPI(t, r, r)
	c := newTestClient(t, f, "zai-coding", func(cfg *Config) { cfg.MaxAttempts = 2 })
	_, err := c.Complete(context.Background(), userRequest(false), nil)
	var api *APIError
	if !errors.As(err, &api) {
		t.Fatalf("err = %v", err)
	}
	want := APIError{Status: 429, Code: "1302", Kind: KindRateLimit, Retryable: true,
		Message:   "High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits",
		RequestID: "20251103013040b9d782988099466f"}
	if *api != want {
		t.Errorf("APIError = %+v\nwant %+v", *api, want)
	}
	if f.hits() != 2 || len(c.recordedWaits()) != 1 || c.recordedWaits()[0] <= 0 {
		t.Errorf("%d requests, waits %v; want one retry after a backoff", f.hits(), c.recordedWaits())
	}
	if s := err.Error(); strings.Contains(s, "retrying will not help") || strings.Contains(s, "retry after") {
		t.Errorf("Error() = %q", s)
	}
}

// TestRequest_glm46EchoWithoutContent: the recorded turn 2 that echoed the assistant message as
// {tool_calls, role} (answered 200) decodes, validates, and is sent the same with "content":"".
func TestRequest_glm46EchoWithoutContent(t *testing.T) {
	raw := readFixture(t, "request_glm46_turn2_echo_without_content.json")
	var req Request
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	if err := req.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	asst := req.Messages[2]
	if req.Model != "glm-4.6" || len(req.Messages) != 4 || asst.Role != RoleAssistant || asst.Content != "" ||
		asst.ReasoningContent != "" || len(asst.ToolCalls) != 1 || asst.ToolCalls[0].ID != "call_-8223349338831929811" ||
		asst.ToolCalls[0].Function.Arguments != `{"location":"Florence,Italy"}` || req.Messages[3].ToolCallID != asst.ToolCalls[0].ID ||
		req.Messages[3].Content != "40 C" || *req.MaxTokens != 4000 || req.ToolChoice.Mode != ToolChoiceAuto {
		t.Fatalf("decoded = %+v", req)
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, "zai-coding", nil)
	body, err := c.Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	want["messages"].([]any)[2].(map[string]any)["content"] = "" // this client always sends content
	wantJSON, _ := json.Marshal(want)
	if !jsonEqual(t, body, wantJSON) {
		t.Errorf("encoded %s\nwant %s", body, wantJSON)
	}
}

// chunkReader returns the recorded network reads one per Read, as the connection did.
type chunkReader struct{ chunks []string }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// TestParseStream_recordedChunks feeds the real network reads of the index -1 stream,
// including the split inside an event's closing blank line, one read at a time.
func TestParseStream_recordedChunks(t *testing.T) {
	var chunks []string
	if err := json.Unmarshal(readFixture(t, "stream_glm45flash_tool_index_minus1.chunks.json"), &chunks); err != nil {
		t.Fatal(err)
	}
	whole := readFixture(t, "stream_glm45flash_tool_index_minus1.sse")
	if got := strings.Join(chunks, ""); got != string(whole) || len(chunks) != 185 {
		t.Fatalf("%d reads joining to %d bytes; want 185 reads of the %d-byte .sse", len(chunks), len(got), len(whole))
	}
	blankSplit := false
	for i := 0; i+1 < len(chunks); i++ {
		if strings.HasSuffix(chunks[i], "}\n") && strings.HasPrefix(chunks[i+1], "\n") {
			blankSplit = true
		}
	}
	if !blankSplit {
		t.Fatal("no read splits an event between its two newlines")
	}
	want, err := ParseStream(bytes.NewReader(whole), nil)
	if err != nil {
		t.Fatal(err)
	}
	var log eventLog
	got, err := ParseStream(&chunkReader{chunks: chunks}, log.add)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunked %+v\nwhole %+v", got, want)
	}
	if n := log.count(EventToolCallDelta); n != 1 || got.Message().ToolCalls[0].ID != "call_2cVvMTo9RGy87YJlhDpUew" {
		t.Errorf("%d tool-call events, calls %+v", n, got.Message().ToolCalls)
	}
}
