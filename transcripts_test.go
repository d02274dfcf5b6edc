package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// cliResult is what one run of the transcripts command printed.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runTranscriptsCLI runs `glm-mcp transcripts ARGS` with GLM_MCP_DB=db.
func runTranscriptsCLI(t testing.TB, db string, args ...string) cliResult {
	t.Helper()
	var out, errw bytes.Buffer
	env := func(k string) string {
		if k == "GLM_MCP_DB" {
			return db
		}
		return ""
	}
	code := runTranscripts(context.Background(), args, env, nil, &out, &errw)
	return cliResult{code, out.String(), errw.String()}
}

// openTranscriptDB opens a store in a temporary folder.
func openTranscriptDB(t testing.TB) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "transcripts.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// recordConversation records, through the store's write path as the bridge
// does, a finished conversation with reasoning, two parallel tool calls
// (one failing) and a failed then retried completion.
func recordConversation(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	id, err := st.CreateTranscript(ctx, store.TranscriptMeta{Title: "Which Go files are there, and what is in notes.txt?",
		Provider: "zai", BaseURL: "https://api.z.ai/api/paas/v4", Model: "glm-4.7",
		Params: json.RawMessage(`{"temperature":0.6}`), ToolConfig: json.RawMessage(`{"roots":["/src"],"toolkits":"files"}`)})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 5, 4, 9, 30, 0, 0, time.UTC)
	calls := `[{"id":"call_-7807255211226955507","index":0,"type":"function","function":{"name":"find_files","arguments":"{\"pattern\":\"*.go\"}"}},` +
		`{"id":"call_3532c842716b4c72a7dd7498","index":1,"type":"function","function":{"name":"read_file","arguments":{"path":"notes.txt"}}}]`
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.AppendMessage(ctx, id, store.Message{Role: "system", Content: "Answer briefly."}))
	must(st.AppendMessage(ctx, id, store.Message{Role: "user", Content: "Which Go files are there, and what is in notes.txt?"}))
	must(st.RecordCompletion(ctx, id, store.Completion{Step: 1, Started: at, RequestBody: []byte(`{"model":"glm-4.7","messages":[]}`),
		ResponseBody: []byte(`{"error":{"code":"1302","message":"rate limit"}}`), HTTPStatus: 429, Latency: 120 * time.Millisecond,
		Error: "429: rate limit (1302)"}))
	must(st.RecordCompletion(ctx, id, store.Completion{Step: 1, Started: at.Add(time.Second), RequestBody: []byte(`{"model":"glm-4.7","messages":[]}`),
		ResponseBody: []byte("data: {\"id\":\"r1\"}\n\ndata: [DONE]\n\n"), HTTPStatus: 200, Latency: 900 * time.Millisecond,
		Usage: store.Usage{PromptTokens: 120, CompletionTokens: 60, TotalTokens: 180, ReasoningTokens: 40}}))
	must(st.AppendMessage(ctx, id, store.Message{Role: "assistant", Content: "", Reasoning: "Two tools at once.",
		ToolCalls: json.RawMessage(calls)}))
	must(st.RecordToolExecution(ctx, id, store.ToolExecution{Step: 1, CallID: "call_3532c842716b4c72a7dd7498", Tool: "read_file",
		Server: "glm-mcp", Arguments: `{"path":"notes.txt"}`, Result: "notes.txt: no such file", IsError: true,
		Started: at.Add(2 * time.Second), Duration: 300 * time.Microsecond}))
	must(st.RecordToolExecution(ctx, id, store.ToolExecution{Step: 1, CallID: "call_-7807255211226955507", Tool: "find_files",
		Server: "glm-mcp", Arguments: `{"pattern":"*.go"}`, Result: `{"paths":["main.go","ask.go"]}`,
		Started: at.Add(2 * time.Second), Duration: 4 * time.Millisecond}))
	must(st.AppendMessage(ctx, id, store.Message{Role: "tool", ToolCallID: "call_-7807255211226955507", Content: `{"paths":["main.go","ask.go"]}`}))
	must(st.AppendMessage(ctx, id, store.Message{Role: "tool", ToolCallID: "call_3532c842716b4c72a7dd7498", Content: "notes.txt: no such file"}))
	must(st.RecordCompletion(ctx, id, store.Completion{Step: 2, Started: at.Add(3 * time.Second), RequestBody: []byte(`{"model":"glm-4.7"}`),
		ResponseBody: []byte(`{"id":"r2"}`), HTTPStatus: 200, Latency: 700 * time.Millisecond,
		Usage: store.Usage{PromptTokens: 300, CompletionTokens: 20, TotalTokens: 320, CachedTokens: 100}}))
	must(st.AppendMessage(ctx, id, store.Message{Role: "assistant", Content: "main.go and ask.go; notes.txt does not exist."}))
	must(st.FinishTranscript(ctx, id, store.StatusDone, ""))
	return id
}

func TestRunTranscripts_usage(t *testing.T) {
	_, db := openTranscriptDB(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no command", nil, exitUsage, "", "a command is needed"},
		{"unknown command", []string{"frob"}, exitUsage, "", `unknown command "frob"`},
		{"help", []string{"-h"}, exitOK, "Usage: glm-mcp transcripts", ""},
		{"list help", []string{"list", "-h"}, exitOK, "-limit", ""},
		{"show help", []string{"show", "--help"}, exitOK, "-json", ""},
		{"show without id", []string{"show"}, exitUsage, "", "a transcript ID is needed"},
		{"show two ids", []string{"show", "a", "b"}, exitUsage, "", "unexpected arguments: b"},
		{"list with an argument", []string{"list", "x"}, exitUsage, "", "unexpected arguments: x"},
		{"bad flag", []string{"list", "--color"}, exitUsage, "", "-color"},
		{"negative limit", []string{"list", "--limit", "-1"}, exitUsage, "", "--limit -1"},
		{"bad format", []string{"export", "last", "--format", "yaml"}, exitUsage, "", `--format "yaml"`},
		{"rm without id", []string{"rm"}, exitUsage, "", "a transcript ID is needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTranscriptsCLI(t, db, tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stdout, tt.wantStdout) || !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", r.code, r.stdout, r.stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

func TestRunTranscripts_list(t *testing.T) {
	st, db := openTranscriptDB(t)
	if r := runTranscriptsCLI(t, db, "list"); r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "no transcripts yet") {
		t.Errorf("empty list: %+v", r)
	}
	id := recordConversation(t, st)
	running, err := st.CreateTranscript(context.Background(), store.TranscriptMeta{Title: "still going", Model: "glm-4.7"})
	if err != nil {
		t.Fatal(err)
	}

	r := runTranscriptsCLI(t, db, "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != exitOK || len(lines) != 3 {
		t.Fatalf("list: %+v", r)
	}
	if fields := strings.Fields(lines[0]); !reflect.DeepEqual(fields, []string{"ID", "CREATED", "STATUS", "MODEL", "STEPS", "TOKENS", "COST", "LINK", "TITLE"}) {
		t.Errorf("header %q", lines[0])
	}
	// Newest first; ids shortened to a unique prefix that resolves; the
	// cost is the price table's: (420-100)×0.60 + 100×0.11 + 80×2.20 = 379 µ$.
	row := strings.Fields(lines[2])
	if !strings.HasPrefix(id, row[0]) || len(row[0]) < 10 || row[3] != "done" || row[4] != "glm-4.7" || row[5] != "2" || row[6] != "500" ||
		row[7] != "$0.0004" || row[8] != "-" ||
		!strings.Contains(lines[2], "Which Go files are there") || !strings.Contains(lines[1], "running") {
		t.Errorf("rows:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Error("colour codes off a terminal")
	}
	if got := runTranscriptsCLI(t, db, "show", row[0], "--json"); !strings.Contains(got.stdout, `"id": "`+id+`"`) {
		t.Errorf("the listed short id does not resolve: %+v", got)
	}

	r = runTranscriptsCLI(t, db, "list", "--json", "--limit", "1")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	for _, key := range []string{"id", "created", "status", "title", "provider", "model", "steps", "usage"} {
		if _, ok := list[0][key]; !ok {
			t.Errorf("list --json lacks %q: %v", key, list[0])
		}
	}
	if list[0]["id"] != running || list[0]["status"] != "running" {
		t.Errorf("newest: %v", list[0])
	}
}

func TestRunTranscripts_show(t *testing.T) {
	st, db := openTranscriptDB(t)
	id := recordConversation(t, st)
	r := runTranscriptsCLI(t, db, "show", "last")
	if r.code != exitOK {
		t.Fatalf("show: %+v", r)
	}
	for _, want := range []string{
		id + "  done\n",
		"zai glm-4.7 · 2 steps · 500 tokens (prompt 420, completion 80, reasoning 40, cached 100) · $0.0004\n",
		"── system ──\nAnswer briefly.\n",
		"── assistant ──\nTwo tools at once.\n",
		"→ find_files {\"pattern\":\"*.go\"}  [call_-7807255211226955507]\n  ✓ ok · 4 ms\n",
		"→ read_file {\"path\":\"notes.txt\"}  [call_3532c842716b4c72a7dd7498]\n  ✗ error · 0 ms\n",
		"── tool read_file [call_3532c842716b4c72a7dd7498] ──\nnotes.txt: no such file\n",
		"── assistant ──\nmain.go and ask.go; notes.txt does not exist.\n",
		"step 1  HTTP 429  120 ms  429: rate limit (1302)\n",
		"step 1  HTTP 200  900 ms  180 tokens (prompt 120, completion 60, reasoning 40) · $0.0002\n", // 120×0.60 + 60×2.20 = 204 µ$
		"step 2  HTTP 200  700 ms  320 tokens (prompt 300, completion 20, cached 100) · $0.0002\n",   // 200×0.60 + 100×0.11 + 20×2.20 = 175 µ$
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	js := runTranscriptsCLI(t, db, "show", strings.ToUpper(id[:12]), "--json")
	exp := runTranscriptsCLI(t, db, "export", id)
	if js.code != exitOK || js.stdout != exp.stdout {
		t.Errorf("show --json differs from export --format json:\n%s\n%s", js.stdout, exp.stdout)
	}
}

// The terminal rendering dims reasoning and colours statuses.
func TestRenderTranscript_colours(t *testing.T) {
	st, _ := openTranscriptDB(t)
	tr, err := st.Get(context.Background(), recordConversation(t, st))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := renderTranscript(&b, tr, colours{on: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), dim+"Two tools at once."+reset) || !strings.Contains(b.String(), "\x1b[32mdone"+reset) {
		t.Errorf("no dimmed reasoning or coloured status:\n%q", b.String())
	}
}

func TestRunTranscripts_exportJSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, db := openTranscriptDB(t)
	id := recordConversation(t, st)
	r := runTranscriptsCLI(t, db, "export", id, "--format", "json")
	if r.code != exitOK {
		t.Fatalf("export: %+v", r)
	}
	var doc store.Transcript
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// Re-import into another database: the same data comes out.
	other, otherDB := openTranscriptDB(t)
	if err := other.Import(ctx, &doc); err != nil {
		t.Fatal(err)
	}
	want, err := st.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := other.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("re-imported transcript differs:\n got %+v\nwant %+v", got, want)
	}
	if again := runTranscriptsCLI(t, otherDB, "export", id); again.stdout != r.stdout {
		t.Errorf("export of the re-imported transcript differs")
	}
	// The bodies: JSON embedded as JSON, a stream as text.
	var raw struct {
		Format      string `json:"format"`
		Completions []struct {
			Response json.RawMessage `json:"response"`
		} `json:"completions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Format != store.ExportFormat || len(raw.Completions) != 3 || raw.Completions[0].Response[0] != '{' ||
		!bytes.HasPrefix(raw.Completions[1].Response, []byte(`"data: `)) {
		t.Errorf("format %q, completions %s", raw.Format, r.stdout)
	}
}

func TestRunTranscripts_exportOpenAI(t *testing.T) {
	st, db := openTranscriptDB(t)
	recordConversation(t, st)
	r := runTranscriptsCLI(t, db, "export", "last", "--format", "openai")
	if r.code != exitOK {
		t.Fatalf("export: %+v", r)
	}
	// It is a valid messages array for the GLM request type.
	var msgs []glm.Message
	if err := json.Unmarshal([]byte(r.stdout), &msgs); err != nil {
		t.Fatal(err)
	}
	req := glm.Request{Model: "glm-4.7", Messages: msgs}
	if err := req.Validate(); err != nil {
		t.Errorf("GLM refuses the exported messages: %v", err)
	}
	var generic []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &generic); err != nil {
		t.Fatal(err)
	}
	wantRoles := []string{"system", "user", "assistant", "tool", "tool", "assistant"}
	if len(generic) != len(wantRoles) {
		t.Fatalf("%d messages:\n%s", len(generic), r.stdout)
	}
	for i, m := range generic {
		if _, ok := m["content"].(string); m["role"] != wantRoles[i] || !ok {
			t.Errorf("message %d: %v", i, m)
		}
	}
	a := generic[2]
	calls, _ := a["tool_calls"].([]any)
	if a["content"] != "" || a["reasoning_content"] != "Two tools at once." || len(calls) != 2 {
		t.Fatalf("assistant turn: %v", a)
	}
	for i, wantArgs := range []string{`{"pattern":"*.go"}`, `{"path":"notes.txt"}`} {
		c := calls[i].(map[string]any)
		fn := c["function"].(map[string]any)
		if c["type"] != "function" || fn["arguments"] != wantArgs || c["id"] != msgs[2].ToolCalls[i].ID {
			t.Errorf("tool call %d: %v, want type function and arguments %s (a string)", i, c, wantArgs)
		}
	}
	if generic[3]["tool_call_id"] != "call_-7807255211226955507" || generic[4]["content"] != "notes.txt: no such file" {
		t.Errorf("tool messages: %v, %v", generic[3], generic[4])
	}
	// Sending it again through the client's own type changes nothing.
	again, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(r.stdout)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, compact.Bytes()) {
		t.Errorf("the client re-encodes the messages differently:\n%s\n%s", again, compact.Bytes())
	}
}

func TestRunTranscripts_exportMarkdown(t *testing.T) {
	st, db := openTranscriptDB(t)
	recordConversation(t, st)
	r := runTranscriptsCLI(t, db, "export", "last", "--format", "markdown")
	for _, want := range []string{
		"# Which Go files are there, and what is in notes.txt?\n",
		"## User\n\nWhich Go files",
		"<details><summary>Reasoning</summary>\n\nTwo tools at once.\n\n</details>",
		"**Tool call** `read_file` (`call_3532c842716b4c72a7dd7498`)\n\n```json\n{\n  \"path\": \"notes.txt\"\n}\n```",
		"## Tool result: `read_file` (`call_3532c842716b4c72a7dd7498`), error in 300µs",
	} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("markdown lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRunTranscripts_rm(t *testing.T) {
	ctx := context.Background()
	st, db := openTranscriptDB(t)
	parent := recordConversation(t, st)
	child, err := st.CreateTranscript(ctx, store.TranscriptMeta{ParentID: parent, Relation: store.RelationContinue})
	if err != nil {
		t.Fatal(err)
	}
	r := runTranscriptsCLI(t, db, "rm", child)
	if r.code != exitError || !strings.Contains(r.stderr, "still being written") {
		t.Errorf("rm of a live running transcript: %+v", r)
	}
	if err := st.FinishTranscript(ctx, child, store.StatusDone, ""); err != nil {
		t.Fatal(err)
	}
	r = runTranscriptsCLI(t, db, "rm", parent, "nosuchid")
	if r.code != exitError || !strings.Contains(r.stderr, `no transcript matches "nosuchid"`) || !strings.Contains(r.stderr, child) {
		t.Errorf("rm with an unknown id: %+v", r)
	}
	if _, err := st.Get(ctx, parent); err != nil {
		t.Errorf("a failed rm removed something: %v", err)
	}
	r = runTranscriptsCLI(t, db, "rm", parent)
	if r.code != exitOK || r.stdout != "removed "+parent+" (1 transcripts that continued or replayed it are unlinked)\n" {
		t.Errorf("rm: %+v", r)
	}
	tr, err := st.Get(ctx, child)
	if err != nil || tr.ParentID != "" {
		t.Errorf("child after rm: %+v, %v", tr, err)
	}
	if r := runTranscriptsCLI(t, db, "show", parent); r.code != exitError || !strings.Contains(r.stderr, "no transcript matches") {
		t.Errorf("show after rm: %+v", r)
	}
}

func TestRunTranscripts_ambiguous(t *testing.T) {
	st, db := openTranscriptDB(t)
	a, b := recordConversation(t, st), recordConversation(t, st)
	r := runTranscriptsCLI(t, db, "show", "0")
	if r.code != exitError || !strings.Contains(r.stderr, `"0" is ambiguous`) || !strings.Contains(r.stderr, a) || !strings.Contains(r.stderr, b) {
		t.Errorf("ambiguous id: %+v", r)
	}
}

func TestRunTranscripts_badDatabase(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("just text\n"), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"not sqlite", notDB, "not a SQLite database"},
		{"a folder", dir, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []byte
			if info, _ := os.Stat(tt.path); !info.IsDir() {
				before, _ = os.ReadFile(tt.path)
			}
			r := runTranscriptsCLI(t, "", "list", "--db", tt.path)
			if r.code != exitError || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "open transcript db") {
				t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, tt.want)
			}
			if before != nil {
				if after, _ := os.ReadFile(tt.path); !bytes.Equal(after, before) {
					t.Error("the file was changed")
				}
			}
		})
	}
}

func TestRunTranscripts_dbPath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag first", map[string]string{"GLM_MCP_DB": dir + "/env.db"}, []string{"--db", dir + "/flag.db", "list"}, dir + "/flag.db"},
		{"flag after the command", map[string]string{"GLM_MCP_DB": dir + "/env.db"}, []string{"list", "--db", dir + "/flag2.db"}, dir + "/flag2.db"},
		{"environment", map[string]string{"GLM_MCP_DB": dir + "/env.db", "XDG_DATA_HOME": dir + "/xdg"}, []string{"list"}, dir + "/env.db"},
		{"XDG data home", map[string]string{"XDG_DATA_HOME": dir + "/xdg", "HOME": dir + "/home"}, []string{"list"}, dir + "/xdg/glm-mcp/transcripts.db"},
		{"home", map[string]string{"HOME": dir + "/home"}, []string{"list"}, dir + "/home/.local/share/glm-mcp/transcripts.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			code := runTranscripts(context.Background(), tt.args, func(k string) string { return tt.env[k] }, nil, &out, &errw)
			if code != exitOK || !strings.Contains(errw.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want the database %s", code, errw.String(), tt.want)
			}
			if _, err := os.Stat(tt.want); err != nil {
				t.Errorf("database not created: %v", err)
			}
		})
	}
	var errw bytes.Buffer
	if code := runTranscripts(context.Background(), []string{"list"}, func(string) string { return "" }, nil, io.Discard, &errw); code != exitError ||
		!strings.Contains(errw.String(), "give --db PATH") {
		t.Errorf("no place at all: exit %d, %q", code, errw.String())
	}
}

func TestShortIDs(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
		want map[string]string
	}{
		{"apart", []string{"01jaaaaaaa1111", "01jbbbbbbb2222"}, map[string]string{"01jaaaaaaa1111": "01jaaaaaaa", "01jbbbbbbb2222": "01jbbbbbbb"}},
		{"same millisecond", []string{"01jaaaaaaa1111", "01jaaaaaaa1122", "01jzzzzzzz0000"},
			map[string]string{"01jaaaaaaa1111": "01jaaaaaaa111", "01jaaaaaaa1122": "01jaaaaaaa112", "01jzzzzzzz0000": "01jzzzzzzz"}},
		{"one", []string{"01j"}, map[string]string{"01j": "01j"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shortIDs(tt.ids, 10); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("shortIDs = %v, want %v", got, tt.want)
			}
		})
	}
}

// BenchmarkTranscripts_show1000 runs `transcripts show` on a transcript of
// 1,000 messages (open, resolve, read, render).
func BenchmarkTranscripts_show1000(b *testing.B) {
	ctx := context.Background()
	st, db := openTranscriptDB(b)
	id, err := st.CreateTranscript(ctx, store.TranscriptMeta{Model: "glm-4.7"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 250 {
		callID := "call_" + strings.Repeat("x", i%7)
		for _, m := range []store.Message{
			{Role: "user", Content: strings.Repeat("Which files mention the store? ", 10)},
			{Role: "assistant", Reasoning: strings.Repeat("I will search. ", 20), ToolCalls: json.RawMessage(
				`[{"id":"` + callID + `","type":"function","function":{"name":"search_content","arguments":"{\"query\":\"store\"}"}}]`)},
			{Role: "tool", ToolCallID: callID, Content: strings.Repeat(`{"path":"store/store.go","line":12},`, 40)},
			{Role: "assistant", Content: strings.Repeat("The store is in store/. ", 30)},
		} {
			if err := st.AppendMessage(ctx, id, m); err != nil {
				b.Fatal(err)
			}
		}
		if err := st.RecordToolExecution(ctx, id, store.ToolExecution{CallID: callID, Tool: "search_content", Duration: time.Millisecond}); err != nil {
			b.Fatal(err)
		}
		if err := st.RecordCompletion(ctx, id, store.Completion{Step: i + 1, HTTPStatus: 200, Usage: store.Usage{TotalTokens: 100}}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if r := runTranscriptsCLI(b, db, "show", "last"); r.code != exitOK || len(r.stdout) < 100_000 {
			b.Fatalf("show: exit %d, %d bytes", r.code, len(r.stdout))
		}
	}
}

// runTranscripts runs `glm-mcp transcripts ARGS` through the command dispatch.
func runTranscripts(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: env}
	return a.run(ctx, append([]string{"transcripts"}, args...))
}
