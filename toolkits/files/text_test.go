package files

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/internal/toolcheck"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenTree is a fixed tree with fixed times, so every text block is stable.
func goldenTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"main.go":        "package main\n\nimport \"fmt\"\n\n// main prints <a & b>.\nfunc main() {\n\tfmt.Println(\"a\" + \"b\")\n}\n",
		"crlf.txt":       "first\r\nsecond\r\nthird",
		"notes.md":       "# Notes\none\ntwo\nthree needle\nfour\nfive\nsix\nseven\neight needle\nnine needle\nten\n",
		"lib/util.go":    "package lib\n\n// Needle finds.\nfunc Needle() {}\n",
		"lib/deep/x.txt": "needle in deep\n",
		"bin/blob.bin":   "needle\x00\x01",
		"empty.txt":      "",
	})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, "main.go", filepath.Join(dir, "link.go"))
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			ts := []unix.Timespec{unix.NsecToTimespec(when.UnixNano()), unix.NsecToTimespec(when.UnixNano())}
			unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
		}
		return nil
	})
	return dir
}

// textCases are the calls whose text blocks are kept as golden files: each
// tool's ordinary and cut results, and an error of each kind.
var textCases = []struct {
	name, tool string
	args       map[string]any
}{
	{"read_whole", "read_file", map[string]any{"path": "main.go"}},
	{"read_paged", "read_file", map[string]any{"path": "notes.md", "offset": 3, "limit": 4}},
	{"read_line_numbers", "read_file", map[string]any{"path": "notes.md", "limit": 3, "line_numbers": true}},
	{"read_crlf_as_on_disk", "read_file", map[string]any{"path": "crlf.txt"}},
	{"read_empty", "read_file", map[string]any{"path": "empty.txt"}},
	{"read_past_end", "read_file", map[string]any{"path": "notes.md", "offset": 40}},
	{"search", "search_content", map[string]any{"query": "needle"}},
	{"search_context", "search_content", map[string]any{"query": "needle", "context_lines": 1}},
	{"search_truncated", "search_content", map[string]any{"query": "needle", "max_results": 2}},
	{"search_regex", "search_content", map[string]any{"query": `func \w+\(`, "regex": true, "include": "*.go"}},
	{"find", "find_files", map[string]any{"pattern": "*.go"}},
	{"find_truncated", "find_files", map[string]any{"pattern": "*", "max_results": 3}},
	{"list", "list_directory", map[string]any{}},
	{"list_paged", "list_directory", map[string]any{"limit": 3, "cursor": "2"}},
	{"list_subfolder", "list_directory", map[string]any{"path": "lib"}},
	{"error_no_such_file", "read_file", map[string]any{"path": "missing.go"}},
	{"error_outside_root", "read_file", map[string]any{"path": "../outside.txt"}},
	{"error_outside_root_absolute", "find_files", map[string]any{"pattern": "*", "path": "/etc"}},
	{"error_binary_refused", "read_file", map[string]any{"path": "bin/blob.bin"}},
	{"error_bad_regex", "search_content", map[string]any{"query": "a(b", "regex": true}},
	{"error_not_regular", "read_file", map[string]any{"path": "pipe"}},
	{"error_argument", "read_file", map[string]any{"path": "main.go", "offset": 0}},
}

func TestToolkit_TextBlocksGolden(t *testing.T) {
	dir := goldenTree(t)
	kit := newKit(t, dir)
	for _, tc := range textCases {
		t.Run(tc.name, func(t *testing.T) {
			res, text := call(t, kit, tc.tool, tc.args)
			if strings.HasPrefix(tc.name, "error_") != res.IsError {
				t.Fatalf("isError = %v: %s", res.IsError, text)
			}
			text = strings.ReplaceAll(text, dir, "$ROOT")
			toolcheck.Golden(t, filepath.Join("testdata", tc.name+".txt"), text, *update)
		})
	}
}

// TestToolkit_TextAndStructuredAgree parses every text block and checks it
// says what structuredContent says, and that structuredContent validates
// against the tool's output schema.
func TestToolkit_TextAndStructuredAgree(t *testing.T) {
	dir := goldenTree(t)
	kit := newKit(t, dir)
	schemas := outputSchemas(t, kit)
	for _, tc := range textCases {
		if strings.HasPrefix(tc.name, "error_") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			res, text := call(t, kit, tc.tool, tc.args)
			toolcheck.Validate(t, schemas[tc.tool], res.StructuredContent)
			switch tc.tool {
			case "read_file":
				var want ReadResult
				structured(t, res, &want)
				if got := parseRead(t, text); !reflect.DeepEqual(got, want) {
					t.Errorf("text says %+v\nstructured %+v", got, want)
				}
			case "search_content":
				var want SearchResult
				structured(t, res, &want)
				got := parseSearch(t, text)
				if !reflect.DeepEqual(got, searchFacts(want)) {
					t.Errorf("text says %+v\nstructured %+v", got, searchFacts(want))
				}
			case "find_files":
				var want FindResult
				structured(t, res, &want)
				if got := parseFind(t, text); !reflect.DeepEqual(got, want) {
					t.Errorf("text says %+v\nstructured %+v", got, want)
				}
			case "list_directory":
				var want ListResult
				structured(t, res, &want)
				got := parseList(t, text)
				got.Path = want.Path
				if !reflect.DeepEqual(got, want) {
					t.Errorf("text says %+v\nstructured %+v", got, want)
				}
			}
		})
	}
}

func outputSchemas(t *testing.T, kit *Toolkit) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	for _, tl := range kit.Tools() {
		out[tl.Def.Name] = toolcheck.OutputSchema(t, tl.Def)
	}
	return out
}

var readHeader = regexp.MustCompile(`^(.+): (?:lines (\d+)-(\d+) of (\d+)(?:; next: offset=(\d+))?|empty file|no lines from offset=(\d+); the file has (\d+) lines)$`)

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// parseRead reads a read_file text block back into a ReadResult.
func parseRead(t *testing.T, text string) ReadResult {
	t.Helper()
	header, body, _ := strings.Cut(text, "\n")
	m := readHeader.FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("header %q does not parse", header)
	}
	r := ReadResult{Path: m[1], Offset: 1}
	switch {
	case m[2] != "":
		r.Offset, r.TotalLines, r.NextOffset = atoi(m[2]), atoi(m[4]), atoi(m[5])
		r.Lines = atoi(m[3]) - r.Offset + 1
	case m[6] != "":
		r.Offset, r.TotalLines = atoi(m[6]), atoi(m[7])
	}
	r.Truncated = r.NextOffset > 0
	lines := strings.SplitAfter(body, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if pre := strconv.Itoa(r.Offset+i) + "\t"; strings.HasPrefix(text, header+"\n"+strconv.Itoa(r.Offset)+"\t") {
			l = strings.TrimPrefix(l, pre)
		}
		lines[i] = l
	}
	if len(lines) != r.Lines {
		t.Errorf("header says %d lines, the body has %d", r.Lines, len(lines))
	}
	r.Text = strings.Join(lines, "\n")
	return r
}

// line is one line a search reported.
type line struct {
	Path  string
	No    int
	Text  string
	Match bool
}

// searchFacts lists the distinct lines of a search result, matches winning
// over context, and its counts.
func searchFacts(r SearchResult) []any {
	seen := map[[2]any]int{}
	var out []line
	add := func(l line) {
		k := [2]any{l.Path, l.No}
		if i, ok := seen[k]; ok {
			out[i].Match = out[i].Match || l.Match
			return
		}
		seen[k] = len(out)
		out = append(out, l)
	}
	for _, m := range r.Matches {
		for k, b := range m.Before {
			add(line{m.Path, m.Line - len(m.Before) + k, b, false})
		}
		add(line{m.Path, m.Line, m.Text, true})
		for k, a := range m.After {
			add(line{m.Path, m.Line + 1 + k, a, false})
		}
	}
	slices.SortStableFunc(out, func(a, b line) int {
		if a.Path != b.Path {
			return 0
		}
		return a.No - b.No
	})
	return []any{out, r.Count, r.FilesScanned, r.Truncated}
}

var searchSummary = regexp.MustCompile(`^(\d+) match(?:es)? in (\d+) files? \((\d+) searched\).*?(; truncated, see the first line)?$`)
var searchLine = regexp.MustCompile(`^(\d+)([:-])(.*)$`)

func parseSearch(t *testing.T, text string) []any {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	m := searchSummary.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("summary %q does not parse", lines[len(lines)-1])
	}
	body := lines[:len(lines)-1]
	truncated := m[4] != ""
	if truncated {
		if !strings.HasPrefix(body[0], "truncated at "+m[1]+" matches") {
			t.Errorf("a truncated result should start with its paging line, got %q", body[0])
		}
		body = body[1:]
	}
	var out []line
	path, matches := "", 0
	for _, l := range body {
		switch sm := searchLine.FindStringSubmatch(l); {
		case l == "" || l == "--":
		case sm != nil && path != "":
			out = append(out, line{path, atoi(sm[1]), sm[3], sm[2] == ":"})
			if sm[2] == ":" {
				matches++
			}
		default:
			path = l
		}
	}
	if matches != atoi(m[1]) {
		t.Errorf("summary says %s matches, the text shows %d", m[1], matches)
	}
	return []any{out, atoi(m[1]), atoi(m[3]), truncated}
}

var findSummary = regexp.MustCompile(`^(\d+) files?( \(truncated\))?$`)

func parseFind(t *testing.T, text string) FindResult {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	m := findSummary.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("summary %q does not parse", lines[len(lines)-1])
	}
	r := FindResult{Count: atoi(m[1]), Truncated: m[2] != "", Files: []string{}}
	body := lines[:len(lines)-1]
	if r.Truncated {
		body = body[1:]
	}
	r.Files = append(r.Files, body...)
	return r
}

var listLine = regexp.MustCompile(`^(.*?)([/@?]?)(?: (\d+))? (\d{4}-\d\d-\d\d \d\d:\d\d)$`)
var listPaging = regexp.MustCompile(`^entries (\d+)-(\d+) of (\d+); next: cursor=(\d+)$`)
var listSummary = regexp.MustCompile(`^(\d+) entr(?:y|ies)$`)

func parseList(t *testing.T, text string) ListResult {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	last := lines[len(lines)-1]
	r := ListResult{Entries: []ListEntry{}}
	body := lines[:len(lines)-1]
	if m := listPaging.FindStringSubmatch(last); m != nil {
		r.Total, r.NextCursor = atoi(m[3]), m[4]
		if body[0] != last {
			t.Errorf("the paging line should come first too, got %q", body[0])
		}
		body = body[1:]
	} else if m := listSummary.FindStringSubmatch(last); m != nil {
		r.Total = atoi(m[1])
	} else {
		t.Fatalf("summary %q does not parse", last)
	}
	types := map[string]string{"/": "dir", "@": "symlink", "?": "other", "": "file"}
	for _, l := range body {
		m := listLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("entry %q does not parse", l)
		}
		when, _ := time.Parse("2006-01-02 15:04", m[4])
		size, _ := strconv.ParseInt(m[3], 10, 64)
		r.Entries = append(r.Entries, ListEntry{Name: m[1], Type: types[m[2]], Size: size, Modified: when.Add(9 * time.Second).Format(time.RFC3339)})
	}
	return r
}
