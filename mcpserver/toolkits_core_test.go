package mcpserver_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/glm-mcp/glm-mcp/mcpserver"
	"github.com/glm-mcp/glm-mcp/toolkits"
	"github.com/glm-mcp/glm-mcp/toolkits/files"
	"github.com/glm-mcp/glm-mcp/toolkits/httpfetch"
)

// TestNew_RealToolkits: the input schemas of the real toolkits compile, and
// a bad argument to a real tool is answered in words (the example).
func TestNew_RealToolkits(t *testing.T) {
	fk, err := files.New(files.Config{Roots: []string{t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fk.Close() })
	hk, err := httpfetch.New(httpfetch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mcpserver.New([]toolkits.Toolkit{fk, hk}, mcpserver.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tests := []struct {
		name, tool, args, want string
	}{
		{"read_file offset", "read_file", `{"path":"a.txt","offset":0}`, "offset must be at least 1, got 0"},
		{"search_content query", "search_content", `{}`, `missing required argument "query"`},
		{"fetch_url url type", "fetch_url", `{"url":5}`, "url must be a string, got a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tc.tool + `","arguments":` + tc.args + `}}`
			b, _ := json.Marshal(srv.HandleMessage(context.Background(), json.RawMessage(msg)))
			var resp struct {
				Result struct {
					IsError bool `json:"isError"`
					Content []struct {
						Text string `json:"text"`
					} `json:"content"`
				} `json:"result"`
			}
			if err := json.Unmarshal(b, &resp); err != nil || len(resp.Result.Content) == 0 {
				t.Fatalf("answer %s", b)
			}
			if got := resp.Result.Content[0].Text; !resp.Result.IsError || got != tc.want {
				t.Fatalf("got %q (isError %v), want %q", got, resp.Result.IsError, tc.want)
			}
		})
	}
}
