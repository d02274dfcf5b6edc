package files

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// goSrc returns the Go source tree, the benchmark corpus of PRODUCT.md.
func goSrc(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("go env GOROOT:", err)
	}
	return strings.TrimSpace(string(out)) + "/src"
}

func benchCall(b *testing.B, h func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error), args map[string]any) {
	req := mcp.CallToolRequest{}
	req.Params.Arguments = args
	b.ReportAllocs()
	for b.Loop() {
		res, err := h(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatalf("call failed: %v %+v", err, res)
		}
	}
}

func BenchmarkToolkit_GoTree(b *testing.B) {
	kit, err := New(Config{Roots: []string{goSrc(b)}})
	if err != nil {
		b.Fatal(err)
	}
	defer kit.Close()
	b.Run("find_files", func(b *testing.B) {
		benchCall(b, kit.findFiles, map[string]any{"pattern": "*reader*", "max_results": 5000})
	})
	b.Run("search_literal", func(b *testing.B) {
		benchCall(b, kit.searchContent, map[string]any{"query": "func NewReader", "max_results": 5000})
	})
	b.Run("search_regex", func(b *testing.B) {
		benchCall(b, kit.searchContent, map[string]any{"query": `func New\w+Reader`, "regex": true, "max_results": 5000})
	})
	b.Run("search_ignorecase", func(b *testing.B) {
		benchCall(b, kit.searchContent, map[string]any{"query": "newreader", "max_results": 5000})
	})
}
