package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/glm-mcp/glm-mcp/store"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "rewrite docs/transcript-page.png from the browser test")

// chromiumPath finds Debian's chromium, skipping the test without it (and
// failing in CI, where it must be installed).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: apt-get install -y chromium")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium")
	return ""
}

// artifactsDir is where screenshots go: $GLM_MCP_ARTIFACTS (kept by CI), else
// a temporary folder.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GLM_MCP_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a headless Chromium with extra flags and returns a tab.
func browser(t *testing.T, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]), chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1200, 1000), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(opts, flags...)...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return tab
}

// recordParallelRun stores a run whose first step calls three tools at
// once, starting 0, 150 and 300 ms after the model answered and running for
// 900, 400 and 600 ms, then answers in a second step.
func recordParallelRun(t *testing.T, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	id, err := st.CreateTranscript(ctx, store.TranscriptMeta{Provider: "zai", Model: "glm-4.7", BaseURL: "https://api.z.ai/api/paas/v4"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 8, 1, 14, 0, 0, 0, time.UTC)
	type call struct {
		id, tool, args, result string
		start, dur             time.Duration
	}
	calls := []call{
		{"call_1", "search_content", `{"query":"func main","path":"."}`, `{"matches":[{"path":"main.go","line":51}]}`, 1200, 900},
		{"call_2", "read_file", `{"path":"README.md"}`, "# glm-mcp\nThe marker ZEBRA-9931 is in the readme.", 1350, 400},
		{"call_3", "list_directory", `{"path":"store"}`, `["store.go","search.go","migrate.go"]`, 1500, 600},
	}
	var wire []map[string]any
	for _, c := range calls {
		wire = append(wire, map[string]any{"id": c.id, "type": "function", "function": map[string]string{"name": c.tool, "arguments": c.args}})
	}
	toolCalls, _ := json.Marshal(wire)
	steps := []func() error{
		func() error {
			return st.AppendMessage(ctx, id, store.Message{Role: "user", Content: "Where does glm-mcp start, and what does its README say?", Created: t0})
		},
		func() error {
			return st.RecordCompletion(ctx, id, store.Completion{Step: 1, Started: t0, HTTPStatus: 200, Latency: 1200 * time.Millisecond,
				Usage: store.Usage{PromptTokens: 3200, CompletionTokens: 240, TotalTokens: 3440, ReasoningTokens: 150, CachedTokens: 1024}})
		},
		func() error {
			return st.AppendMessage(ctx, id, store.Message{Role: "assistant", Created: t0.Add(1200 * time.Millisecond),
				Reasoning: "Three independent look-ups: search for main, read the README and list the store, all at once.",
				ToolCalls: toolCalls})
		},
	}
	for _, c := range calls {
		steps = append(steps, func() error {
			return st.RecordToolExecution(ctx, id, store.ToolExecution{Step: 1, CallID: c.id, Tool: c.tool, Server: "glm-mcp",
				Arguments: c.args, Result: c.result, Started: t0.Add(c.start * time.Millisecond), Duration: c.dur * time.Millisecond})
		})
	}
	for _, c := range calls {
		steps = append(steps, func() error {
			return st.AppendMessage(ctx, id, store.Message{Role: "tool", ToolCallID: c.id, Content: c.result, Created: t0.Add(2100 * time.Millisecond)})
		})
	}
	steps = append(steps,
		func() error {
			return st.RecordCompletion(ctx, id, store.Completion{Step: 2, Started: t0.Add(2100 * time.Millisecond), HTTPStatus: 200,
				Latency: 1500 * time.Millisecond, Usage: store.Usage{PromptTokens: 3900, CompletionTokens: 180, TotalTokens: 4080, CachedTokens: 3072}})
		},
		func() error {
			return st.AppendMessage(ctx, id, store.Message{Role: "assistant", Created: t0.Add(3600 * time.Millisecond),
				Content: "It starts in `main.go` (func main, line 51). The README's first line is the title, and it mentions the marker ZEBRA-9931."})
		},
		func() error { return st.FinishTranscript(ctx, id, store.StatusDone, "") },
	)
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// startServeBinary runs `glm-mcp transcripts serve` and returns the URL it prints.
func startServeBinary(t *testing.T, db string) string {
	t.Helper()
	cmd := exec.Command(binPath, "transcripts", "serve", "--db", db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		t.Fatalf("transcripts serve printed %q, %v", line, err)
	}
	return strings.TrimSpace(line)
}

// barBox is a timeline bar as the browser laid it out.
type barBox struct {
	Call  string  `json:"call"`
	Step  string  `json:"step"`
	Left  float64 `json:"left"`
	Right float64 `json:"right"`
	Top   float64 `json:"top"`
}

// layoutJS reads the laid-out timeline, the steps and the reasoning folds.
const layoutJS = `(() => ({
	steps: [...document.querySelectorAll('.step')].map(s => s.dataset.step),
	bars: [...document.querySelectorAll('.bar-tool')].map(b => {
		const r = b.getBoundingClientRect();
		return {call: b.dataset.call, step: b.closest('.step').dataset.step, left: r.left, right: r.right, top: r.top};
	}),
	trackLeft: document.querySelector('#step-1 .track').getBoundingClientRect().left,
	trackRight: document.querySelector('#step-1 .track').getBoundingClientRect().right,
	reasoning: [...document.querySelectorAll('details.reasoning')].map(d => d.open),
	costs: [...document.querySelectorAll('.step .cost')].map(c => c.textContent),
}))()`

type layout struct {
	Steps      []string `json:"steps"`
	Bars       []barBox `json:"bars"`
	TrackLeft  float64  `json:"trackLeft"`
	TrackRight float64  `json:"trackRight"`
	Reasoning  []bool   `json:"reasoning"`
	Costs      []string `json:"costs"`
}

// checkTimeline asserts the page's steps, and that the three calls of step
// 1 lie side by side in the same row: each starts further right (by its
// start time), they overlap in time, and each has a lane of its own.
func checkTimeline(t *testing.T, l layout) {
	t.Helper()
	if !slices.Equal(l.Steps, []string{"1", "2"}) {
		t.Errorf("steps %v, want 1 and 2", l.Steps)
	}
	if len(l.Bars) != 3 {
		t.Fatalf("tool bars %+v, want 3", l.Bars)
	}
	for i, b := range l.Bars {
		if b.Step != "1" || b.Call != []string{"call_1", "call_2", "call_3"}[i] {
			t.Errorf("bar %d = %+v, want call_%d in step 1", i, b, i+1)
		}
		if b.Left < l.TrackLeft-0.5 || b.Right > l.TrackRight+0.5 {
			t.Errorf("bar %s [%.1f, %.1f] leaves its row [%.1f, %.1f]", b.Call, b.Left, b.Right, l.TrackLeft, l.TrackRight)
		}
		if i > 0 {
			prev := l.Bars[i-1]
			if !(b.Left > prev.Left+5) || !(b.Top > prev.Top) || !(b.Left < prev.Right) {
				t.Errorf("bars %s %+v and %s %+v are not side by side (later start, overlapping, own lane)", prev.Call, prev, b.Call, b)
			}
		}
	}
	// Starts 1200, 1350, 1500 ms in a row from 0 to 2100 ms: the offsets
	// between bars are 150/2100 of the row's width.
	width := l.TrackRight - l.TrackLeft
	if got, want := l.Bars[1].Left-l.Bars[0].Left, width*150/2100; got < want-2 || got > want+2 {
		t.Errorf("call_2 starts %.1f px after call_1, want %.1f", got, want)
	}
	if len(l.Reasoning) != 1 || l.Reasoning[0] {
		t.Errorf("reasoning folds %v, want one, folded", l.Reasoning)
	}
	// Step 1: 2176×0.60 + 1024×0.11 + 240×2.20 = 1,946.24 µ$; step 2:
	// 828×0.60 + 3072×0.11 + 180×2.20 = 1,230.72 µ$.
	if !slices.Equal(l.Costs, []string{"$0.0019", "$0.0012"}) {
		t.Errorf("step costs %v", l.Costs)
	}
}

func TestWeb_browser(t *testing.T) {
	tab := browser(t)
	st, db := openTranscriptDB(t)
	id := recordParallelRun(t, st)
	base := startServeBinary(t, db)
	art := artifactsDir(t)

	// The list, and a search through its form (no script on the page).
	if err := chromedp.Do(tab, chromedp.Navigate(base), chromedp.WaitVisible(`tr[data-transcript]`),
		chromedp.SendKeys(`input[name=q]`, "ZEBRA-9931"), chromedp.Submit(`form.search`), chromedp.WaitVisible(`li.hit`)); err != nil {
		t.Fatal(err)
	}
	hits, err := chromedp.Run(tab, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll('li.hit')].map(h => ({
		transcript: h.dataset.transcript, place: h.querySelector('.place').textContent,
		mark: h.querySelector('mark') ? h.querySelector('mark').textContent : '', href: h.querySelector('a').getAttribute('href')}))`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"transcript": id, "place": "result of read_file [call_2], message 4", "mark": "ZEBRA", "href": "/t/" + id + "#m4"}
	if len(hits) != 2 || !maps.Equal(hits[1], want) {
		t.Errorf("search hits %v; want two, the older %v", hits, want)
	}
	shot(t, tab, filepath.Join(art, "transcripts-search.png"))

	// The transcript page, reached by the search result's link.
	if err := chromedp.Do(tab, chromedp.Navigate(base+"/t/"+id), chromedp.WaitVisible(`#step-1 .bar-tool`)); err != nil {
		t.Fatal(err)
	}
	l, err := chromedp.Run(tab, chromedp.Evaluate[layout](layoutJS))
	if err != nil {
		t.Fatal(err)
	}
	checkTimeline(t, l)
	png := shot(t, tab, filepath.Join(art, "transcript-page.png"))
	if *updateScreenshot {
		if err := os.MkdirAll("docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("docs", "transcript-page.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The exported file, opened from disk in a browser that cannot reach any
// host, shows the same page and asks for nothing but itself.
func TestWeb_exportedFileOffline(t *testing.T) {
	st, db := openTranscriptDB(t)
	id := recordParallelRun(t, st)
	page := filepath.Join(t.TempDir(), "transcript.html")
	out, err := exec.Command(binPath, "transcripts", "export", id, "--format", "html", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, out, 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var requests []string
	// No name resolves and every connection goes to a closed port.
	tab := browser(t, chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"), chromedp.ProxyServer("http://127.0.0.1:9"))
	tab, cancel := chromedp.NewContext(tab, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}))
	defer cancel()
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate("file://"+page), chromedp.WaitVisible(`#step-1 .bar-tool`)); err != nil {
		t.Fatal(err)
	}
	l, err := chromedp.Run(tab, chromedp.Evaluate[layout](layoutJS))
	if err != nil {
		t.Fatal(err)
	}
	checkTimeline(t, l)
	shot(t, tab, filepath.Join(artifactsDir(t), "transcript-export.png"))
	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 1 || requests[0] != "file://"+page {
		t.Errorf("the exported page asked for %v; want only itself", requests)
	}
}

// shot saves a screenshot of the whole page and returns it.
func shot(t *testing.T, tab context.Context, path string) []byte {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot of %d bytes is not a PNG", len(png))
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return png
}
