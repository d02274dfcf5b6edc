package files

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		".gitignore":          "build/\n*.log\n!keep.log\n",
		"main.go":             "package main\n\nfunc main() {\n\tNewReader()\n}\n",
		"reader.go":           "package main\n\n// NewReader makes a reader.\nfunc NewReader() {}\n",
		"docs/readme.md":      "# Reader docs\nnewreader in lower case\n",
		"docs/.gitignore":     "draft.md\n",
		"docs/draft.md":       "NewReader draft\n",
		"build/out.go":        "func NewReader() // ignored\n",
		"app.log":             "NewReader in a log\n",
		"keep.log":            "NewReader kept\n",
		".hidden/secret.go":   "func NewReader() // hidden\n",
		"pkg/a/reader_a.go":   "func NewReaderA() {}\n",
		"pkg/b/reader_b.go":   "func NewReaderB() {}\n",
		"crlf.txt":            "first\r\nNewReader crlf\r\nlast\r\n",
		"bin/data.bin":        "NewReader\x00\x01\x02",
		"pkg/a/zz/last_z.txt": "NewReader deep\n",
	})
	return dir
}

func TestToolkit_FindFiles(t *testing.T) {
	dir := sampleTree(t)
	kit := newKit(t, dir)
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"bare word matches anywhere, smart case", map[string]any{"pattern": "reader"}, []string{"reader.go", "pkg/a/reader_a.go", "pkg/b/reader_b.go"}},
		{"bare word folds case of names", map[string]any{"pattern": "readme"}, []string{"docs/readme.md"}},
		{"bare word with capitals is case-sensitive", map[string]any{"pattern": "Reader"}, []string{}},
		{"glob on names", map[string]any{"pattern": "*.go"}, []string{"main.go", "reader.go", "pkg/a/reader_a.go", "pkg/b/reader_b.go"}},
		{"glob with a path", map[string]any{"pattern": "pkg/**/*.go"}, []string{"pkg/a/reader_a.go", "pkg/b/reader_b.go"}},
		{"path narrows", map[string]any{"pattern": "*.go", "path": "pkg/a"}, []string{"pkg/a/reader_a.go"}},
		{"gitignore off", map[string]any{"pattern": "*.log", "respect_gitignore": false}, []string{"app.log", "keep.log"}},
		{"gitignore negation keeps a file", map[string]any{"pattern": "*.log"}, []string{"keep.log"}},
		{"nested gitignore", map[string]any{"pattern": "*.md"}, []string{"docs/readme.md"}},
		{"hidden included on request", map[string]any{"pattern": "secret.go", "include_hidden": true}, []string{".hidden/secret.go"}},
		{"braces", map[string]any{"pattern": "*.{md,txt}"}, []string{"crlf.txt", "docs/readme.md", "pkg/a/zz/last_z.txt"}},
		{"truncated at max_results", map[string]any{"pattern": "*.go", "max_results": 2}, []string{"main.go", "reader.go"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, text := call(t, kit, "find_files", tc.args)
			var fr FindResult
			structured(t, res, &fr)
			if !reflect.DeepEqual(fr.Files, tc.want) {
				t.Errorf("files = %q, want %q (%s)", fr.Files, tc.want, text)
			}
			if wantTrunc := tc.args["max_results"] != nil; fr.Truncated != wantTrunc {
				t.Errorf("truncated = %v, want %v", fr.Truncated, wantTrunc)
			}
		})
	}
}

func TestToolkit_SearchContent(t *testing.T) {
	dir := sampleTree(t)
	kit := newKit(t, dir)
	type hit struct {
		Path string
		Line int
	}
	tests := []struct {
		name string
		args map[string]any
		want []hit
	}{
		{"literal, capitals make it case-sensitive", map[string]any{"query": "func NewReader"}, []hit{{"reader.go", 4}, {"pkg/a/reader_a.go", 1}, {"pkg/b/reader_b.go", 1}}},
		{"smart case folds lower-case queries", map[string]any{"query": "newreader", "include": "*.md"}, []hit{{"docs/readme.md", 2}}},
		{"case_sensitive false", map[string]any{"query": "READER DOCS", "case_sensitive": false}, []hit{{"docs/readme.md", 1}}},
		{"regex with prefilter", map[string]any{"query": `func NewReader[A-Z]\(`, "regex": true}, []hit{{"pkg/a/reader_a.go", 1}, {"pkg/b/reader_b.go", 1}}},
		{"regex without a literal", map[string]any{"query": `^\t\w+\(\)$`, "regex": true}, []hit{{"main.go", 4}}},
		{"regex anchors per line", map[string]any{"query": `^last$`, "regex": true}, []hit{{"crlf.txt", 3}}},
		{"gitignore and hidden and binary skipped", map[string]any{"query": "NewReader", "include": "*.{log,bin}"}, []hit{{"keep.log", 1}}},
		{"max_results cuts in order", map[string]any{"query": "NewReader", "max_results": 2}, []hit{{"crlf.txt", 2}, {"keep.log", 1}}},
		{"path narrows", map[string]any{"query": "NewReader", "path": "pkg"}, []hit{{"pkg/a/reader_a.go", 1}, {"pkg/a/zz/last_z.txt", 1}, {"pkg/b/reader_b.go", 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, text := call(t, kit, "search_content", tc.args)
			var sr SearchResult
			structured(t, res, &sr)
			got := []hit{}
			for _, m := range sr.Matches {
				got = append(got, hit{m.Path, m.Line})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("matches = %v, want %v\n%s", got, tc.want, text)
			}
		})
	}
}

func TestToolkit_SearchContextAndText(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f.txt": "one\ntwo\nthree MATCH\nfour\nfive\n", "long.txt": strings.Repeat("é", 600) + " MATCH\n"})
	kit := newKit(t, dir)
	res, _ := call(t, kit, "search_content", map[string]any{"query": "MATCH", "context_lines": 2, "include": "f.txt"})
	var sr SearchResult
	structured(t, res, &sr)
	if len(sr.Matches) != 1 {
		t.Fatalf("want one match, got %+v", sr.Matches)
	}
	m := sr.Matches[0]
	if m.Text != "three MATCH" || !reflect.DeepEqual(m.Before, []string{"one", "two"}) || !reflect.DeepEqual(m.After, []string{"four", "five"}) {
		t.Errorf("context = %q %q %q", m.Before, m.Text, m.After)
	}
	res, _ = call(t, kit, "search_content", map[string]any{"query": "MATCH", "include": "long.txt"})
	structured(t, res, &sr)
	if got := sr.Matches[0].Text; !strings.HasSuffix(got, "…") || len([]rune(got)) > maxLineText+1 || !strings.HasPrefix(got, "éé") {
		t.Errorf("a long line should be cut on a rune boundary, got %d runes", len([]rune(got)))
	}
}

func TestToolkit_SearchDeterministicUnderTruncation(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 300 {
		files[fmt.Sprintf("d%02d/f%03d.txt", i%30, i)] = strings.Repeat("hit line\n", 1+i%4)
	}
	writeTree(t, dir, files)
	kit := newKit(t, dir)
	var first string
	for i := range 20 {
		_, text := call(t, kit, "search_content", map[string]any{"query": "hit", "max_results": 37})
		if i == 0 {
			first = text
			var sr SearchResult
			res, _ := call(t, kit, "search_content", map[string]any{"query": "hit", "max_results": 37})
			structured(t, res, &sr)
			if sr.Count != 37 || !sr.Truncated {
				t.Fatalf("count=%d truncated=%v, want 37 and true", sr.Count, sr.Truncated)
			}
			continue
		}
		if text != first {
			t.Fatalf("run %d differs from run 0", i)
		}
	}
}

func TestToolkit_BadInput(t *testing.T) {
	dir := sampleTree(t)
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), make([]byte, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	kit, err := New(Config{Roots: []string{dir}, MaxFileSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer kit.Close()
	tests := []struct {
		name, tool string
		args       map[string]any
		wantInMsg  string
	}{
		{"missing file", "read_file", map[string]any{"path": "nope.txt"}, "find_files"},
		{"binary file", "read_file", map[string]any{"path": "bin/data.bin"}, "binary"},
		{"oversized file", "read_file", map[string]any{"path": "big.txt"}, "search_content"},
		{"directory read as file", "read_file", map[string]any{"path": "docs"}, "list_directory"},
		{"file listed as directory", "list_directory", map[string]any{"path": "main.go"}, "read_file"},
		{"bad glob", "find_files", map[string]any{"pattern": "[a-"}, "invalid glob"},
		{"bad regex quotes the error", "search_content", map[string]any{"query": "a(b", "regex": true}, "missing closing )"},
		{"empty query", "search_content", map[string]any{"query": ""}, "empty"},
		{"max_results too large", "find_files", map[string]any{"pattern": "*", "max_results": 9000}, "between 1 and 5000"},
		{"context_lines out of range", "search_content", map[string]any{"query": "x", "context_lines": 11}, "between 0 and 10"},
		{"negative offset", "read_file", map[string]any{"path": "main.go", "offset": 0}, "at least 1, got 0"},
		{"bad cursor", "list_directory", map[string]any{"cursor": "zz"}, "cursor"},
		{"wrong type", "read_file", map[string]any{"path": 12}, "invalid arguments"},
		{"search path is a file", "search_content", map[string]any{"query": "x", "path": "main.go"}, "directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, text := call(t, kit, tc.tool, tc.args)
			if !res.IsError || !strings.Contains(text, tc.wantInMsg) {
				t.Errorf("want an error result mentioning %q, got isError=%v %q", tc.wantInMsg, res.IsError, text)
			}
		})
	}
}

func TestToolkit_ReadFile(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "line %d\r\n", i)
	}
	writeTree(t, dir, map[string]string{"ten.txt": b.String(), "nonl.txt": "a\nb"})
	kit := newKit(t, dir)
	tests := []struct {
		name string
		args map[string]any
		want ReadResult
	}{
		{"whole file", map[string]any{"path": "nonl.txt"}, ReadResult{Path: "nonl.txt", Text: "a\nb", Offset: 1, Lines: 2, TotalLines: 2}},
		{"offset and limit", map[string]any{"path": "ten.txt", "offset": 3, "limit": 2}, ReadResult{Path: "ten.txt", Text: "line 3\nline 4", Offset: 3, Lines: 2, TotalLines: 10, NextOffset: 5, Truncated: true}},
		{"last page", map[string]any{"path": "ten.txt", "offset": 9}, ReadResult{Path: "ten.txt", Text: "line 9\nline 10", Offset: 9, Lines: 2, TotalLines: 10}},
		{"max_bytes stops early", map[string]any{"path": "ten.txt", "max_bytes": 14}, ReadResult{Path: "ten.txt", Text: "line 1\nline 2", Offset: 1, Lines: 2, TotalLines: 10, NextOffset: 3, Truncated: true}},
		{"offset past the end", map[string]any{"path": "ten.txt", "offset": 50}, ReadResult{Path: "ten.txt", Offset: 50, TotalLines: 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := call(t, kit, "read_file", tc.args)
			var got ReadResult
			structured(t, res, &got)
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestToolkit_ListDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"sub/x.txt": "x"}
	for i := range 7 {
		files[fmt.Sprintf("f%d.txt", i)] = strings.Repeat("a", i)
	}
	writeTree(t, dir, files)
	kit := newKit(t, dir)
	var names []string
	cursor := ""
	for page := 0; page < 10; page++ {
		args := map[string]any{"limit": 3}
		if cursor != "" {
			args["cursor"] = cursor
		}
		res, _ := call(t, kit, "list_directory", args)
		var lr ListResult
		structured(t, res, &lr)
		for _, e := range lr.Entries {
			names = append(names, e.Name+":"+e.Type)
		}
		if lr.Total != 8 {
			t.Errorf("total = %d, want 8", lr.Total)
		}
		if cursor = lr.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{"f0.txt:file", "f1.txt:file", "f2.txt:file", "f3.txt:file", "f4.txt:file", "f5.txt:file", "f6.txt:file", "sub:dir"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("paged listing = %q, want %q", names, want)
	}
}

func TestToolkit_MultipleRoots(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, map[string]string{"one.txt": "needle a\n"})
	writeTree(t, b, map[string]string{"two.txt": "needle b\n"})
	kit := newKit(t, a, b)
	res, _ := call(t, kit, "search_content", map[string]any{"query": "needle"})
	var sr SearchResult
	structured(t, res, &sr)
	if len(sr.Matches) != 2 || sr.Matches[0].Path != filepath.Join(a, "one.txt") || sr.Matches[1].Path != filepath.Join(b, "two.txt") {
		t.Errorf("matches over two roots = %+v", sr.Matches)
	}
	if res, text := call(t, kit, "read_file", map[string]any{"path": "two.txt"}); res.IsError {
		t.Errorf("a relative path should be found in the second root: %s", text)
	}
}
