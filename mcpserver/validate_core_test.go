package mcpserver

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

func TestArgValidator_Messages(t *testing.T) {
	tests := []struct {
		name string
		args string
		want string
	}{
		{"minimum", `{"query":"x","offset":0}`, `offset must be at least 1, got 0`},
		{"missing", `{}`, `missing required argument "query"`},
		{"no arguments at all", `null`, `missing required argument "query"`},
		{"wrong type", `{"query":"x","offset":"5"}`, `offset must be an integer, got a string`},
		{"not an integer", `{"query":"x","offset":1.5}`, `offset must be an integer, got a number`},
		{"enum", `{"query":"x","mode":"slow"}`, `mode must be one of "fast", "full", got "slow"`},
		{"unknown argument", `{"query":"x","lines":3}`, `unknown argument "lines" (this tool takes: flag, mode, offset, query, ratio, tags)`},
		{"maximum", `{"query":"x","ratio":0.75}`, `ratio must be at most 0.5, got 0.75`},
		{"min length", `{"query":""}`, `query must be at least 1 character long, got 0`},
		{"max items", `{"query":"x","tags":["a","b","c"]}`, `tags must have at most 2 items, got 3`},
		{"item type", `{"query":"x","tags":["a",true]}`, `tags[1] must be a string, got a boolean (true or false)`},
		{"boolean", `{"query":"x","flag":"yes"}`, `flag must be a boolean (true or false), got a string`},
		{"not an object", `"query"`, `arguments must be an object, got a string`},
		{"two rules", `{"offset":0}`, `missing required argument "query"; offset must be at least 1, got 0`},
		{"no HTML escaping", `{"query":"x","mode":"<&>"}`, `mode must be one of "fast", "full", got "<&>"`},
	}
	logs := &logBuffer{}
	srv, err := New([]toolkits.Toolkit{newFakeKit(t)}, Options{Logger: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"page","arguments":` + tc.args + `}}`
			b, err := json.Marshal(srv.HandleMessage(context.Background(), json.RawMessage(msg)))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(unescapeHTML(b), &m); err != nil {
				t.Fatal(err)
			}
			text, isErr := resultText(t, m)
			if !isErr || text != tc.want {
				t.Fatalf("got %q (isError %v), want %q", text, isErr, tc.want)
			}
		})
	}
	t.Run("valid arguments reach the tool", func(t *testing.T) {
		msg := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"page","arguments":{"query":"q","offset":3,"mode":"full","tags":["a"],"flag":true,"ratio":0.5}}}`
		b, _ := json.Marshal(srv.HandleMessage(context.Background(), json.RawMessage(msg)))
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if text, isErr := resultText(t, m); isErr || text != "page q" {
			t.Fatalf("got %q (isError %v), want the tool's answer", text, isErr)
		}
	})
}

// TestArgValidator_OfficialClient: schema violations sent over stdio by an
// independent client (the official Go SDK) come back as one line naming
// the argument and the rule, with isError, and are logged as tool_error.
func TestArgValidator_OfficialClient(t *testing.T) {
	logs := &logBuffer{}
	srv, err := New([]toolkits.Toolkit{newFakeKit(t)}, Options{Logger: zerolog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- ServeStdio(ctx, srv, inR, outW, zerolog.New(logs)); outW.Close() }()

	client := sdk.NewClient(&sdk.Implementation{Name: "independent", Version: "1"}, nil)
	sess, err := client.Connect(ctx, &sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"minimum", map[string]any{"query": "x", "offset": 0}, "offset must be at least 1, got 0"},
		{"missing", map[string]any{}, `missing required argument "query"`},
		{"enum", map[string]any{"query": "x", "mode": "slow"}, `mode must be one of "fast", "full", got "slow"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := sess.CallTool(ctx, &sdk.CallToolParams{Name: "page", Arguments: tc.args})
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if !res.IsError || len(res.Content) != 1 {
				t.Fatalf("isError %v, %d blocks; want one error block", res.IsError, len(res.Content))
			}
			text := res.Content[0].(*sdk.TextContent).Text
			if text != tc.want || strings.Contains(text, "\n") {
				t.Fatalf("got %q, want the one line %q", text, tc.want)
			}
		})
	}
	sess.Close()
	<-served
	var logged int
	for _, l := range logs.lines(t) {
		if l["tool"] == "page" && l["outcome"] == "tool_error" {
			logged++
			if msg, _ := l["detail"].(string); !strings.Contains(msg, " must ") && !strings.Contains(msg, "missing required") {
				t.Errorf("log line names no rule: %v", l)
			}
		}
	}
	if logged != len(tests) {
		t.Fatalf("%d tool_error log lines for page, want %d", logged, len(tests))
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short", "abc", 5, "abc"},
		{"cut", "abcdef", 3, "abc…"},
		{"never inside a character", "aé", 2, "a…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := shorten(tc.in, tc.n); got != tc.want {
				t.Fatalf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}
