package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// filesRoot makes a small tree with a secret beside it.
func filesRoot(t *testing.T) (root, secretPath string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "proj")
	writeFiles(t, base, map[string]string{
		"proj/main.go":           "package main\n\nfunc main() { println(\"hello\") }\n",
		"proj/docs/guide.md":     "# Guide\nSay hello to the reader.\n",
		"proj_evil/secret.txt":   "TOP-SECRET\n",
		"outside/secret.txt":     "TOP-SECRET\n",
		"proj/.git/config":       "[core]\n",
		"proj/node_modules/x.js": "hello from deps\n",
		"proj/.gitignore":        "node_modules/\n",
	})
	if err := os.Symlink("../outside", filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	return root, filepath.Join(base, "proj_evil", "secret.txt")
}

// exerciseFiles lists the tools and calls each files tool through cs.
func exerciseFiles(t *testing.T, cs *sdk.ClientSession, secretPath string) {
	t.Helper()
	tools, err := cs.ListTools(testContext(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Title == "" || tl.Description == "" || tl.InputSchema == nil || tl.OutputSchema == nil || tl.Annotations == nil {
			t.Errorf("tool %s lacks a title, description, schema or annotations", tl.Name)
		}
		if tl.Annotations != nil && (!tl.Annotations.ReadOnlyHint || tl.Annotations.DestructiveHint == nil || *tl.Annotations.DestructiveHint) {
			t.Errorf("tool %s should be annotated read-only and not destructive: %+v", tl.Name, tl.Annotations)
		}
	}
	for _, want := range []string{"list_directory", "find_files", "search_content", "read_file"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools/list lacks %s: %v", want, names)
		}
	}

	var list struct{ Entries []struct{ Name, Type string } }
	callTool(t, cs, "list_directory", map[string]any{}, &list)
	if len(list.Entries) == 0 {
		t.Errorf("list_directory returned nothing")
	}
	var found struct{ Files []string }
	callTool(t, cs, "find_files", map[string]any{"pattern": "*.go"}, &found)
	if !slices.Equal(found.Files, []string{"main.go"}) {
		t.Errorf("find_files *.go = %v, want [main.go]", found.Files)
	}
	var search struct {
		Matches []struct {
			Path string
			Line int
		}
	}
	callTool(t, cs, "search_content", map[string]any{"query": "hello"}, &search)
	var hits []string
	for _, m := range search.Matches {
		hits = append(hits, m.Path)
	}
	if !slices.Equal(hits, []string{"main.go", "docs/guide.md"}) {
		t.Errorf("search hello = %v, want [main.go docs/guide.md] (node_modules ignored, .git hidden)", hits)
	}
	var read struct {
		Text       string
		TotalLines int `json:"total_lines"`
	}
	callTool(t, cs, "read_file", map[string]any{"path": "docs/guide.md"}, &read)
	if read.Text != "# Guide\nSay hello to the reader." || read.TotalLines != 2 {
		t.Errorf("read_file = %+v", read)
	}
	for _, p := range []string{secretPath, "../proj_evil/secret.txt", "escape/secret.txt"} {
		res := callTool(t, cs, "read_file", map[string]any{"path": p}, nil)
		if !res.IsError || strings.Contains(resultText(res), "TOP-SECRET") {
			t.Errorf("read_file(%q) should be refused, got %s", p, resultText(res))
		}
	}
	res := callTool(t, cs, "search_content", map[string]any{"query": "x", "regex": true, "max_results": 99999}, nil)
	if !res.IsError {
		t.Errorf("max_results over 5000 should be an error result")
	}
}

func TestServe_StdioWithGoSDK(t *testing.T) {
	root, secretPath := filesRoot(t)
	cs := connectStdio(t, "--root", root, "--toolkits", "files")
	exerciseFiles(t, cs, secretPath)
}

func TestServe_HTTPWithGoSDK(t *testing.T) {
	root, secretPath := filesRoot(t)
	url := startHTTP(t, nil, "--root", root, "--toolkits", "files")
	cs := connectHTTP(t, url)
	exerciseFiles(t, cs, secretPath)
}
