package files

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// writeTree creates files (path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func newKit(t *testing.T, roots ...string) *Toolkit {
	t.Helper()
	kit, err := New(Config{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kit.Close() })
	return kit
}

// call runs one tool of kit by name and returns the result and its text.
func call(t *testing.T, kit *Toolkit, tool string, args map[string]any) (*mcp.CallToolResult, string) {
	t.Helper()
	for _, tl := range kit.Tools() {
		if tl.Def.Name != tool {
			continue
		}
		req := mcp.CallToolRequest{}
		req.Params.Name = tool
		req.Params.Arguments = args
		res, err := tl.Handler(context.Background(), req)
		if err != nil {
			t.Fatalf("%s(%v): unexpected Go error %v", tool, args, err)
		}
		var text strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(mcp.TextContent); ok {
				text.WriteString(tc.Text)
			}
		}
		return res, text.String()
	}
	t.Fatalf("no tool %s", tool)
	return nil, ""
}

// structured decodes a result's structured content into v.
func structured(t *testing.T, res *mcp.CallToolResult, v any) {
	t.Helper()
	if res.IsError {
		t.Fatalf("unexpected error result: %+v", res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// callCtx runs a tool with a given context.
func callCtx(ctx context.Context, kit *Toolkit, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	for _, tl := range kit.Tools() {
		if tl.Def.Name == tool {
			req := mcp.CallToolRequest{}
			req.Params.Name = tool
			req.Params.Arguments = args
			return tl.Handler(ctx, req)
		}
	}
	return nil, nil
}

func resultString(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
