package glmtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

// TestServer_RawSSE plays the real glm-4.5-flash stream as its 185 network reads (a split falls
// inside an event's closing blank line) and checks the client assembles what the whole body
// gives, including the tool call sent at index -1.
func TestServer_RawSSE(t *testing.T) {
	chunks := glmtest.Chunks(t, "../testdata/stream_glm45flash_tool_index_minus1.chunks.json")
	whole, err := os.ReadFile("../testdata/stream_glm45flash_tool_index_minus1.sse")
	if err != nil {
		t.Fatal(err)
	}
	want, err := glm.ParseStream(bytes.NewReader(whole), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := glmtest.New(t, glmtest.Turn{RawSSE: chunks, ChunkDelay: time.Millisecond})
	c := newClient(t, srv)
	var ev events
	got, err := c.Complete(context.Background(), userReq(true, "profile"), ev.add)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Choices, want.Choices) || *got.Usage != *want.Usage || got.ID != want.ID {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	calls := got.Message().ToolCalls
	if len(calls) != 1 || calls[0].ID != "call_2cVvMTo9RGy87YJlhDpUew" || calls[0].Index != 0 ||
		!json.Valid([]byte(calls[0].Function.Arguments)) {
		t.Errorf("calls = %+v", calls)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Status != 200 || got.LogID == "" {
		t.Errorf("requests %+v, log id %q", reqs, got.LogID)
	}
}
