package webui

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/store"
)

// get serves one GET from a loopback host and returns status and body.
func get(t *testing.T, r Reader, opt Options, target string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Host = "127.0.0.1:8123"
	rec := httptest.NewRecorder()
	Handler(r, opt).ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestHandler_list(t *testing.T) {
	f := newFixture(t)
	code, body := get(t, f.st, Options{Cost: testCost}, "/")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		`<tr data-transcript="` + f.parallel + `">`,
		`<tr data-transcript="` + f.second + `">`,
		`continues <a href="/t/` + f.parallel + `">`,
		`<td class="num">2371µ$</td>`, // 1500×0.60 + 500×0.11 + 300×2.20 + 600×0.60 + 2000×0.11 + 80×2.20 = 2371 µ$
		`name="q"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	// Newest first.
	if strings.Index(body, f.second) > strings.Index(body, `<tr data-transcript="`+f.parallel) {
		t.Error("the newer transcript is not listed first")
	}
}

func TestHandler_search(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, query string
		want        []string
		wantCode    int
	}{
		{name: "marker in a tool result", query: "QX-4471", want: []string{
			`<li class="hit" data-transcript="` + f.parallel + `" data-kind="message">`,
			`href="/t/` + f.parallel + `#m4"`, "result of read_file [call_b], message 4", "<mark>QX</mark>"}},
		{name: "reasoning", query: "pelican heuristic", want: []string{
			`href="/t/` + f.parallel + `#m2"`, "reasoning of message 2 (assistant)", "<mark>pelican</mark> <mark>heuristic</mark>"}},
		{name: "tool arguments", query: "README.md", want: []string{
			`href="/t/` + f.parallel + `#call-call_b"`, "arguments of read_file [call_b], step 1"}},
		{name: "escaped", query: "script", want: []string{"&lt;<mark>script</mark>&gt;alert(1)"}},
		{name: "nothing", query: "wombat", want: []string{"Nothing matches."}},
		{name: "no word", query: "***", want: []string{"Type a word to search for."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, f.st, Options{}, "/?q="+urlQuery(tt.query))
			if code != 200 {
				t.Fatalf("status %d", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("results lack %q", w)
				}
			}
			if strings.Contains(body, "<script>") {
				t.Error("a stored <script> reached the page unescaped")
			}
		})
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "+", "*", "%2A").Replace(s)
}

func TestHandler_notFound(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/t/zzzz", "/t/0", "/nothing-here", "/t/" + f.parallel + "/x"} {
		code, body := get(t, f.st, Options{}, target)
		if code != 404 || !strings.Contains(body, "404") {
			t.Errorf("%s: status %d, want 404", target, code)
		}
	}
	// "last" and a unique prefix resolve.
	for _, ref := range []string{"last", f.second[:14]} {
		if code, body := get(t, f.st, Options{}, "/t/"+ref); code != 200 || !strings.Contains(body, f.second) {
			t.Errorf("/t/%s: status %d", ref, code)
		}
	}
}

var barRE = regexp.MustCompile(`<a class="bar bar-(\w+)[^"]*"(?: href="#call-(\w+)" data-call="\w+")? style="left: ([\d.]+)%; width: ([\d.]+)%; top: ([\d.]+)rem"`)

// The timeline: a row per step; in step 1 the model's bar and then the
// three parallel calls, each placed by its start and duration.
func TestHandler_transcriptTimeline(t *testing.T) {
	f := newFixture(t)
	code, body := get(t, f.st, Options{Cost: testCost}, "/t/"+f.parallel)
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	steps := strings.Split(body, `<div class="step" `)[1:]
	if len(steps) != 2 {
		t.Fatalf("%d step rows, want 2", len(steps))
	}
	type bar struct {
		kind, call       string
		left, width, top string
	}
	var got []bar
	for _, m := range barRE.FindAllStringSubmatch(steps[0], -1) {
		got = append(got, bar{m[1], m[2], m[3], m[4], m[5]})
	}
	// Step 1 spans 0 to 1700 ms: the request 0–1000, then calls at
	// 1000 (600 ms), 1100 (300 ms), 1200 (500 ms).
	want := []bar{
		{"model", "", "0.00", "58.82", "0.10"},
		{"tool", "call_a", "58.82", "35.29", "1.70"},
		{"tool", "call_b", "64.71", "17.65", "3.30"},
		{"tool", "call_c", "70.59", "29.41", "4.90"},
	}
	if len(got) != len(want) {
		t.Fatalf("bars %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bar %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, w := range []string{"Step 1", "<span class=\"cost\">1615µ$</span>", "2300 tokens", "bar-error"} {
		if !strings.Contains(steps[0], w) {
			t.Errorf("step 1 lacks %q", w)
		}
	}
	if !strings.Contains(steps[1], `<span class="cost">756µ$</span>`) {
		t.Error("step 2 lacks its cost 756µ$ (600×0.60 + 2000×0.11 + 80×2.20 = 756 µ$)")
	}
	for _, w := range []string{
		`<details class="reasoning"><summary>Reasoning</summary><pre>The pelican heuristic`,
		`<div class="call" id="call-call_c" data-call="call_c">`,
		`<article class="msg role-tool" id="m5" data-seq="5">`,
		`<dd class="cost">2371µ$</dd>`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestWritePage(t *testing.T) {
	f := newFixture(t)
	tr, err := f.st.Get(context.Background(), f.second)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePage(&buf, tr, Options{Cost: testCost}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, w := range []string{"<!DOCTYPE html>", `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`,
		"<style>", "It is escaped.", "&lt;script&gt;alert(1)&lt;/script&gt;", "<code>" + f.parallel + "</code>"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	// One file: nothing to load, no link back to a server.
	for _, bad := range []string{"<script", "<link", "src=", "http://", "https://", `href="/`, "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("exported page holds %q", bad)
		}
	}
}

func TestSnippetHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "marks", in: "a " + store.MarkStart + "word" + store.MarkEnd + " b", want: "a <mark>word</mark> b"},
		{name: "escaped", in: "<b>" + store.MarkStart + "x&y" + store.MarkEnd, want: "&lt;b&gt;<mark>x&amp;y</mark>"},
		{name: "stray end", in: "a" + store.MarkEnd + "b", want: "ab"},
		{name: "unclosed", in: store.MarkStart + "<i>", want: "<mark>&lt;i&gt;</mark>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(snippetHTML(store.SearchHit{Snippet: tt.in})); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMarkdownHTML: answers render as Markdown; raw HTML stays visible as
// text and never becomes markup; dangerous links are not made.
func TestMarkdownHTML(t *testing.T) {
	got := string(markdownHTML("**bold** and `code`\n\nand the <script>alert(1)</script> tag\n\n<div onclick=x>block</div>\n\n[x](javascript:alert(1))\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
	for _, w := range []string{"<strong>bold</strong>", "<code>code</code>", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;div onclick=x&gt;block&lt;/div&gt;", "<table>", "<td>1</td>"} {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %q:\n%s", w, got)
		}
	}
	for _, bad := range []string{"<script", "<div onclick", "javascript:"} {
		if strings.Contains(got, bad) {
			t.Errorf("holds %q:\n%s", bad, got)
		}
	}
}
