package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/internal/testfs"
	"github.com/glm-mcp/glm-mcp/store"
)

// Cost is the price table's arithmetic: fresh prompt tokens at the input
// price, cached ones at the cached price, completion tokens at the output
// price, per million; the configuration's prices win over the table.
func TestTranscriptCost(t *testing.T) {
	u := store.Usage{PromptTokens: 1_200_000, CachedTokens: 200_000, CompletionTokens: 50_000, TotalTokens: 1_250_000}
	p, ok := glm.LookupModel("glm-4.7")
	if !ok {
		t.Fatal("glm-4.7 is not in the model table")
	}
	tableUSD := (1_000_000*p.Price.Input + 200_000*p.Price.CachedInput + 50_000*p.Price.Output) / 1e6
	saved := maps.Clone(priceOverrides)
	t.Cleanup(func() { priceOverrides = saved })
	tests := []struct {
		name, model string
		override    map[string]glm.Price
		want        string
	}{
		{name: "table", model: "glm-4.7", want: fmtCost(tableUSD)},
		{name: "table, literally", model: "glm-4.7", want: "$0.73"}, // 0.60 + 0.022 + 0.11 at 0.60/0.11/2.20
		{name: "provider prefix", model: "z-ai/GLM-4.7", want: fmtCost(tableUSD)},
		{name: "override", model: "glm-4.7", override: map[string]glm.Price{"glm-4.7": {Input: 1, CachedInput: 0.5, Output: 10}},
			want: "$1.60"}, // 1.0 + 0.1 + 0.5
		{name: "unknown model", model: "my-local-model", want: ""},
		{name: "unknown model priced by the configuration", model: "my-local-model",
			override: map[string]glm.Price{"my-local-model": {Input: 2, CachedInput: 2, Output: 2}}, want: "$2.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			priceOverrides = maps.Clone(saved)
			maps.Copy(priceOverrides, tt.override)
			if got := transcriptCost(tt.model, u); got != tt.want {
				t.Errorf("transcriptCost(%q) = %q, want %q", tt.model, got, tt.want)
			}
		})
	}
}

// searchDB records a conversation (recordConversation) and a later
// transcript that continues it, and returns the store's path and both ids.
func searchDB(t *testing.T) (db, first, second string) {
	t.Helper()
	st, db := openTranscriptDB(t)
	first = recordConversation(t, st)
	ctx := context.Background()
	second, err := st.CreateTranscript(ctx, store.TranscriptMeta{Model: "glm-4.7", ParentID: first, Relation: store.RelationContinue})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []store.Message{
		{Role: "user", Content: "Now the quetzal question: which Go files import sqlite?"},
		{Role: "assistant", Reasoning: "Ponder the marsupial angle before answering.", Content: "None of them."},
	} {
		if err := st.AppendMessage(ctx, second, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.FinishTranscript(ctx, second, store.StatusDone, ""); err != nil {
		t.Fatal(err)
	}
	return db, first, second
}

func TestRunTranscripts_search(t *testing.T) {
	db, first, second := searchDB(t)
	tests := []struct {
		name  string
		query []string
		want  []searchHit // the fields compared: transcript, kind, field, seq, role, call id, tool, step
	}{
		{name: "marker in a tool result", query: []string{"no", "such", "file"}, want: []searchHit{
			{TranscriptID: first, Kind: "message", Field: "content", Seq: 5, Role: "tool", CallID: "call_3532c842716b4c72a7dd7498", Tool: "read_file"}}},
		{name: "reasoning phrase", query: []string{"marsupial angle"}, want: []searchHit{
			{TranscriptID: second, Kind: "message", Field: "reasoning", Seq: 2, Role: "assistant"}}},
		{name: "prompt word", query: []string{"quetzal"}, want: []searchHit{
			{TranscriptID: second, Kind: "message", Field: "content", Seq: 1, Role: "user"}}},
		{name: "tool argument", query: []string{"notes.txt", "path"}, want: []searchHit{
			{TranscriptID: first, Kind: "tool_call", Field: "arguments", CallID: "call_3532c842716b4c72a7dd7498", Tool: "read_file", Step: 1}}},
		{name: "newest first", query: []string{"Go", "files"}, want: []searchHit{
			{TranscriptID: second, Kind: "message", Field: "content", Seq: 1, Role: "user"},
			{TranscriptID: first, Kind: "message", Field: "content", Seq: 2, Role: "user"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTranscriptsCLI(t, db, append(append([]string{"search"}, tt.query...), "--json")...)
			var got []searchHit
			if err := json.Unmarshal([]byte(r.stdout), &got); r.code != exitOK || err != nil {
				t.Fatalf("exit %d, %v: %s %s", r.code, err, r.stdout, r.stderr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i, h := range got {
				w := tt.want[i]
				w.Title, w.Place, w.At, w.Snippet = h.Title, h.Place, h.At, h.Snippet
				if h != w {
					t.Errorf("hit %d = %+v, want %+v", i, h, w)
				}
				if !strings.Contains(h.Snippet, "**") || h.Place == "" {
					t.Errorf("hit %d: snippet %q does not mark the match, or no place %q", i, h.Snippet, h.Place)
				}
			}
		})
	}

	r := runTranscriptsCLI(t, db, "search", "quetzal")
	if r.code != exitOK || !strings.Contains(r.stdout, "message 1 (user)") || !strings.Contains(r.stdout, "the **quetzal** question") ||
		!strings.Contains(r.stdout, second[:10]) {
		t.Errorf("text output: %+v", r)
	}
	if r := runTranscriptsCLI(t, db, "search", "wombat"); r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "nothing matches") {
		t.Errorf("no match: %+v", r)
	}
	for _, args := range [][]string{{"search"}, {"search", "--limit", "0", "x"}, {"search", "***"}} {
		if r := runTranscriptsCLI(t, db, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, r.code, exitUsage, r.stderr)
		}
	}
}

// list shows how transcripts are linked.
func TestRunTranscripts_listLinks(t *testing.T) {
	db, first, second := searchDB(t)
	r := runTranscriptsCLI(t, db, "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != exitOK || len(lines) != 3 {
		t.Fatalf("list: %+v", r)
	}
	row := strings.Fields(lines[1])
	if !strings.HasPrefix(second, row[0]) || row[8] != "continues" || !strings.HasPrefix(first, row[9]) || len(row[9]) < 10 {
		t.Errorf("the continuing transcript's row %q does not name its parent %s", lines[1], first)
	}
}

// A database the user may not write is still listed, searched and shown;
// what would write to it is refused; nothing appears beside it.
func TestRunTranscripts_readOnly(t *testing.T) {
	db, first, _ := searchDB(t)
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(db)
	before := testfs.Names(t, dir)
	for _, args := range [][]string{{"list"}, {"search", "quetzal"}, {"show", first}, {"export", first, "--format", "html"}} {
		if r := runTranscriptsCLI(t, db, args...); r.code != exitOK || r.stdout == "" {
			t.Errorf("%v on a read-only database: %+v", args, r)
		}
	}
	if r := runTranscriptsCLI(t, db, "rm", first); r.code != exitError || !strings.Contains(r.stderr, "read-only") {
		t.Errorf("rm on a read-only database: %+v", r)
	}
	if after := testfs.Names(t, dir); !slices.Equal(after, before) {
		t.Errorf("folder was %v, is %v", before, after)
	}
}

func TestRunTranscripts_import(t *testing.T) {
	db, first, _ := searchDB(t)
	exp := runTranscriptsCLI(t, db, "export", first)
	file := filepath.Join(t.TempDir(), "first.json")
	if err := os.WriteFile(file, []byte(exp.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"messages": "no"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, other := openTranscriptDB(t)
	if r := runTranscriptsCLI(t, other, "import", file, bad); r.code != exitError || !strings.Contains(r.stderr, "bad.json") {
		t.Errorf("a bad file among good ones: %+v", r)
	}
	if r := runTranscriptsCLI(t, other, "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("a failed import stored something: %s", r.stdout)
	}
	r := runTranscriptsCLI(t, other, "import", file)
	if r.code != exitOK || !strings.Contains(r.stdout, "imported "+first) {
		t.Fatalf("import: %+v", r)
	}
	if again := runTranscriptsCLI(t, other, "export", first); again.stdout != exp.stdout {
		t.Error("the imported transcript exports differently")
	}
	if r := runTranscriptsCLI(t, other, "search", "no", "such", "file"); !strings.Contains(r.stdout, first[:10]) {
		t.Errorf("the imported transcript is not searchable: %+v", r)
	}
	if r := runTranscriptsCLI(t, other, "import", file); r.code != exitError || !strings.Contains(r.stderr, "exists already") {
		t.Errorf("importing twice: %+v", r)
	}
	var out, errw strings.Builder
	code := runTranscripts(context.Background(), []string{"import", "-", "--db", filepath.Join(t.TempDir(), "t.db")},
		func(string) string { return "" }, strings.NewReader(exp.stdout), &out, &errw)
	if code != exitOK || !strings.Contains(out.String(), "imported "+first) {
		t.Errorf("import from stdin: exit %d, %s %s", code, out.String(), errw.String())
	}
	if r := runTranscriptsCLI(t, other, "import"); r.code != exitUsage {
		t.Errorf("import without a file: %+v", r)
	}
}

func TestRunTranscripts_exportHTML(t *testing.T) {
	db, first, _ := searchDB(t)
	r := runTranscriptsCLI(t, db, "export", first, "--format", "html")
	if r.code != exitOK {
		t.Fatalf("export: %+v", r)
	}
	for _, want := range []string{"<!DOCTYPE html>", `<div class="step" id="step-1"`, `data-call="call_3532c842716b4c72a7dd7498"`,
		`<dd class="cost">$0.0004</dd>`, "<details class=\"reasoning\">"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("html export lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://api", `href="/`} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("html export holds %q", bad)
		}
	}
}

func TestRunTranscripts_serve(t *testing.T) {
	db, first, _ := searchDB(t)
	if r := runTranscriptsCLI(t, db, "serve", "--addr", "0.0.0.0:0"); r.code != exitUsage || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("serve on every interface: %+v", r)
	}
	url, stop := startServe(t, db)
	defer stop()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url + "t/" + first[:12])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<div class="step" id="step-2"`) {
		t.Errorf("transcript page: %d\n%.300s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Origin", "https://attacker.example")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin: status %d", resp.StatusCode)
	}
}

// startServe runs `transcripts serve` in this process until stop, and
// returns the URL it printed.
func startServe(t *testing.T, db string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errw strings.Builder
		done <- runTranscripts(ctx, []string{"serve", "--db", db}, func(string) string { return "" }, nil, pw, &errw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		cancel()
		t.Fatalf("serve printed %q, %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	return strings.TrimSpace(line), func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}
}
