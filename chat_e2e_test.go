package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
	"github.com/glm-mcp/glm-mcp/store"
)

// needTool skips a test when a Debian package's command is missing, except
// in CI (CI=true), where .ci/run installs it and a skip would hide a gap.
func needTool(t *testing.T, cmd, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(cmd)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing in CI: .ci/run must install it (apt-get install -y %s)", cmd, pkg)
		}
		t.Skipf("%s not installed: apt-get install -y %s", cmd, pkg)
	}
	return p
}

// tmuxSession is a program running in a real terminal under tmux, its
// screen read back with capture-pane.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, env []string, cols, rows int, argv ...string) *tmuxSession {
	t.Helper()
	needTool(t, "tmux", "tmux")
	s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
	var cmdline []string
	for _, kv := range env {
		cmdline = append(cmdline, shellQuote(kv))
	}
	for _, a := range argv {
		cmdline = append(cmdline, shellQuote(a))
	}
	// The shell stays after the program exits, so its last screen and exit
	// status can still be read; Ctrl-C is for the program, not the shell.
	script := "trap : INT; env " + strings.Join(cmdline, " ") + "; echo \"[exit $?]\"; sleep 600"
	s.tmux("new-session", "-d", "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows), "sh", "-c", script)
	s.tmux("set-option", "-g", "remain-on-exit", "on")
	t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

// terminalEnv is askEnv for a program in a terminal: its own HOME (for the
// input history) and a TERM.
func terminalEnv(t *testing.T) (env []string, db string) {
	env, db = askEnv(t)
	return append(env, "HOME="+t.TempDir(), "TERM=xterm-256color"), db
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// screen is the terminal's visible text and its scroll-back.
func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-J", "-S", "-2000") }

// send types keys (tmux key names such as Enter, C-c, C-d allowed).
func (s *tmuxSession) send(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", "0"}, keys...)...)
}

// typeLine types text literally, then Enter.
func (s *tmuxSession) typeLine(text string) {
	s.tmux("send-keys", "-t", "0", "-l", text)
	s.send("Enter")
}

// waitFor waits until the screen shows want n times or more (bounded: 20 s).
func (s *tmuxSession) waitFor(want string, n int) string {
	s.t.Helper()
	var scr string
	for i := 0; i < 400; i++ {
		if scr = s.screen(); strings.Count(scr, want) >= n {
			return scr
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q (%d times):\n%s", want, n, scr)
	return ""
}

// TestChat_InATerminal drives chat as a person would, in tmux: two turns (the
// second calls tools in parallel), /tools and /usage, Ctrl-C in the middle of
// a streamed answer, a turn that carries on the history, an approval answered
// inline, Ctrl-D to leave; then transcripts show has every turn.
func TestChat_InATerminal(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"notes.md": "remember the milk\n", "todo.md": "- ship chat\n"})
	db := makeDB(t)
	fake := glmtest.New(t,
		glmtest.Turn{Content: "Hello! I can read your files."},
		glmtest.Turn{ToolCalls: []glmtest.Call{
			{ID: "r1", Name: "read_file", Arguments: `{"path":"notes.md"}`},
			{ID: "f1", Name: "find_files", Arguments: `{"pattern":"*.md"}`},
		}},
		glmtest.Turn{Content: "Your notes say to remember the milk."},
		glmtest.Turn{Content: "This answer goes on and on and never", Hang: true},
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "w1", Name: "sqlite_execute", Arguments: `{"sql":"DELETE FROM items WHERE id = 1"}`}}},
		glmtest.Turn{Content: "Deleted item 1."},
	)
	env, storeDB := terminalEnv(t)
	s := startTmux(t, env, 120, 50, binPath, "chat", "--base-url", fake.URL, "--root", root, "--sqlite", db, "--sqlite-write", "--toolkits", "files,sqlite")
	s.waitFor("› ", 1)

	s.typeLine("hi there")
	s.waitFor("Hello! I can read your files.", 1)
	s.waitFor("› ", 2)

	s.typeLine("what do my notes say?")
	scr := s.waitFor("remember the milk.", 1)
	for _, want := range []string{"read_file", "find_files"} {
		if !strings.Contains(scr, want) {
			t.Errorf("no tool line for %s:\n%s", want, scr)
		}
	}
	s.waitFor("› ", 3)

	s.typeLine("/tools")
	s.waitFor("search_content", 1)
	s.typeLine("/usage")
	s.waitFor("turns ·", 1)

	s.typeLine("tell me a long story")
	s.waitFor("never", 1)
	s.send("C-c")
	scr = s.waitFor("turn cancelled", 1)
	prompts := strings.Count(scr, "› ")

	s.typeLine("delete item 1 please")
	s.waitFor("Allow sqlite_execute", 1)
	s.send("y", "Enter")
	s.waitFor("Deleted item 1.", 1)
	s.waitFor("› ", prompts+1)

	s.send("C-d")
	scr = s.waitFor("[exit 0]", 1)

	// The turn after the cancelled one carried the whole history.
	reqs := fake.Requests()
	if len(reqs) != 6 {
		t.Fatalf("want 6 requests, got %d", len(reqs))
	}
	var sent []string
	for _, m := range reqs[4].Body.Messages {
		sent = append(sent, m.Role+":"+m.Content)
	}
	joined := strings.Join(sent, "\n")
	for _, want := range []string{"user:hi there", "assistant:Hello! I can read your files.", "user:tell me a long story", "cancelled by the user", "user:delete item 1 please"} {
		if !strings.Contains(joined, want) {
			t.Errorf("request 5 lacks %q:\n%s", want, joined)
		}
	}
	if res := glmtest.ToolResults(reqs[5].Body)["w1"]; !strings.Contains(res, "1") || strings.Contains(res, "not run") {
		t.Errorf("the approved DELETE should have run: %q", res)
	}

	// One transcript holds every turn.
	tr := latest(t, storeDB)
	show := runBin(t, env, "", "transcripts", "show", tr.ID)
	for _, want := range []string{"hi there", "what do my notes say?", "tell me a long story", "delete item 1 please", "Deleted item 1."} {
		if !strings.Contains(show.stdout, want) {
			t.Errorf("transcripts show lacks %q:\n%s", want, show.stdout)
		}
	}
	if tr.Steps != 6 {
		t.Errorf("transcript steps = %d, want 6", tr.Steps)
	}
	if t.Failed() {
		t.Logf("screen:\n%s", scr)
	}
}

// TestChat_Script: without a terminal, chat reads one prompt per line and
// answers each in order.
func TestChat_Script(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "one"}, glmtest.Turn{Content: "two"}, glmtest.Turn{Content: "three"})
	env, db := askEnv(t)
	res := runBin(t, env, "first\n\nsecond\nthird\n", "chat", "--base-url", fake.URL, "--toolkits", "files")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if i1, i2, i3 := strings.Index(res.stdout, "one"), strings.Index(res.stdout, "two"), strings.Index(res.stdout, "three"); i1 < 0 || i2 < i1 || i3 < i2 {
		t.Errorf("answers out of order:\n%s", res.stdout)
	}
	reqs := fake.Requests()
	if n := len(reqs[2].Body.Messages); n != 5 {
		t.Errorf("the third turn should carry two earlier turns (5 messages), got %d", n)
	}
	if tr := latest(t, db); len(tr.Messages) != 6 || tr.Status != store.StatusDone {
		t.Errorf("one transcript of three turns: %d messages, status %s", len(tr.Messages), tr.Status)
	}
}

// TestChat_ContinueAcross: chat -c resumes an ask transcript; ask -c resumes
// a chat.
func TestChat_ContinueAcross(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "asked"}, glmtest.Turn{Content: "chatted"}, glmtest.Turn{Content: "asked again"})
	env, db := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--toolkits", "files", "from ask"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	first := latest(t, db)
	if res := runBin(t, env, "from chat\n", "chat", "-c", "--base-url", fake.URL, "--toolkits", "files"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	chat := latest(t, db)
	if res := runBin(t, env, "", "ask", "-c", "--base-url", fake.URL, "--toolkits", "files", "from ask again"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	last := latest(t, db)
	if chat.ParentID != first.ID || last.ParentID != chat.ID {
		t.Errorf("links: chat's parent %q (want %q), ask's parent %q (want %q)", chat.ParentID, first.ID, last.ParentID, chat.ID)
	}
	msgs := fake.Requests()[2].Body.Messages
	var got []string
	for _, m := range msgs {
		got = append(got, m.Content)
	}
	if strings.Join(got, "|") != "from ask|asked|from chat|chatted|from ask again" {
		t.Errorf("the last request should carry both earlier runs: %v", got)
	}
}

// TestAsk_CtrlCAtTheApprovalQuestion: the terminal is raw while a question
// waits, so Ctrl-C comes as a key: it still cancels the run (exit 130) and no
// further request is made.
func TestAsk_CtrlCAtTheApprovalQuestion(t *testing.T) {
	db := makeDB(t)
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "w", Name: "sqlite_execute", Arguments: `{"sql":"DELETE FROM items WHERE id = 1"}`}}},
		glmtest.Turn{Content: "the model went on"},
	)
	env, _ := terminalEnv(t)
	s := startTmux(t, env, 120, 30, binPath, "ask", "--base-url", fake.URL, "--toolkits", "sqlite", "--sqlite", db, "--sqlite-write", "delete item 1")
	s.waitFor("Allow sqlite_execute", 1)
	s.send("C-c")
	scr := s.waitFor("[exit 130]", 1)
	if fake.Count() != 1 || strings.Contains(scr, "the model went on") {
		t.Errorf("Ctrl-C at the question should end the run: %d requests\n%s", fake.Count(), scr)
	}
}

// TestChat_NoTurnKeepsNothing: leaving before any prompt leaves no empty
// transcript behind.
func TestChat_NoTurnKeepsNothing(t *testing.T) {
	fake := glmtest.New(t)
	env, db := askEnv(t)
	if res := runBin(t, env, "/help\n", "chat", "--base-url", fake.URL, "--toolkits", "files"); res.code != 0 || !strings.Contains(res.stdout, "/compact") {
		t.Fatalf("exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	st := openStore(t, db)
	if list, err := st.List(t.Context(), 0); err != nil || len(list) != 0 {
		t.Errorf("want no transcript, got %d (%v)", len(list), err)
	}
}

// TestChat_PasteInATerminal: a paste of several lines through tmux (which
// marks it as a bracketed paste, as terminal emulators do) is one prompt,
// sent when the user presses Enter, not one turn per line.
func TestChat_PasteInATerminal(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "That is a Go program."})
	env, _ := terminalEnv(t)
	s := startTmux(t, env, 100, 30, binPath, "chat", "--base-url", fake.URL, "--root", t.TempDir(), "--toolkits", "files")
	s.waitFor("› ", 1)

	s.tmux("set-buffer", "-b", "code", "what does this do?\npackage main\n\nfunc main() {}\n")
	s.tmux("paste-buffer", "-p", "-b", "code", "-t", "0")
	s.waitFor("func main() {}", 1)
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests before Enter; the paste must wait for it", n)
	}
	s.send("Enter")
	s.waitFor("That is a Go program.", 1)
	if scr := s.waitFor("› ", 2); strings.Count(scr, "› ") != 2 {
		t.Errorf("%d prompts after one paste and Enter, want 2 (one turn):\n%s", strings.Count(scr, "› "), scr)
	}
	s.send("C-d")
	scr := s.waitFor("[exit 0]", 1)

	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1 (the whole paste as one prompt):\n%s", len(reqs), scr)
	}
	msgs := reqs[0].Body.Messages
	if got, want := msgs[len(msgs)-1].Content, "what does this do?\npackage main\n\nfunc main() {}"; got != want {
		t.Errorf("the prompt sent was %q, want %q", got, want)
	}
}

// TestChat_HelpFitsTheTerminal: the banner, /help, /tools and a turn's
// footer lay themselves out in the terminal's width (a narrow one here), so
// no line wraps into the next column's text.
func TestChat_HelpFitsTheTerminal(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "Hello there."})
	env, _ := terminalEnv(t)
	const cols = 60
	s := startTmux(t, env, cols, 60, binPath, "chat", "--base-url", fake.URL, "--root", t.TempDir(), "--toolkits", "files,http")
	s.waitFor("› ", 1)
	s.typeLine("/help")
	s.waitFor("a paste of several lines", 1)
	s.typeLine("/tools")
	s.waitFor("search_content", 1)
	s.waitFor("› ", 3)
	s.typeLine("hi")
	s.waitFor("Hello there.", 1)
	s.waitFor("› ", 4)
	scr := s.screen() // capture-pane -J joins a wrapped line back into one
	for _, line := range strings.Split(scr, "\n") {
		if n := utf8.RuneCountInString(line); n > cols {
			t.Errorf("a line of %d columns on a %d-column terminal: %q", n, cols, line)
		}
	}
	for _, want := range []string{"glm-mcp chat · glm-4.7 via zai", "fetch_url", "read_file", "/thinking enabled|disabled", "next turn", "done · ", " out · context ", " ms"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the screen lacks %q:\n%s", want, scr)
		}
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (slash commands send none)", n)
	}
}

// TestAsk_RetryShownOnATerminal: a person watching a terminal reads a retry
// as one line (which attempt, the wait, the error), not a log record; with
// stderr piped the retry stays a warning in the log.
func TestAsk_RetryShownOnATerminal(t *testing.T) {
	busy := func() glmtest.Turn {
		return glmtest.Turn{Error: &glmtest.Error{Status: 503, Message: "overloaded", Header: http.Header{"Retry-After": {"1"}}}}
	}
	fake := glmtest.New(t, busy(), glmtest.Turn{Content: "Recovered on a terminal."}, busy(), glmtest.Turn{Content: "Recovered in a pipe."})
	env, _ := terminalEnv(t)
	s := startTmux(t, env, 100, 30, binPath, "ask", "--base-url", fake.URL, "--no-store", "--toolkits", "files", "--root", t.TempDir(), "hi")
	scr := s.waitFor("[exit 0]", 1)
	for _, want := range []string{"⟳ attempt 2 of 4 in 1.0 s · ", "overloaded", "Recovered on a terminal."} {
		if !strings.Contains(scr, want) {
			t.Errorf("the screen lacks %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "glm: retrying") {
		t.Errorf("a log record of the retry on the terminal:\n%s", scr)
	}

	piped := runBin(t, env, "", "ask", "--base-url", fake.URL, "--no-store", "--toolkits", "files", "--root", t.TempDir(), "hi")
	if piped.code != 0 || !strings.Contains(piped.stdout, "Recovered in a pipe.") {
		t.Fatalf("piped ask: exit %d, %q", piped.code, piped.stdout)
	}
	if !strings.Contains(piped.stderr, "glm: retrying") || strings.Contains(piped.stderr, "⟳") {
		t.Errorf("with stderr piped the retry should be a log warning only:\n%s", piped.stderr)
	}
}

// TestChat_LongPasteInATerminal: a 200 KB line pasted through tmux shows as
// a placeholder and is sent whole with Enter (typed into the line editor
// character by character, it kept chat busy for minutes).
func TestChat_LongPasteInATerminal(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "A list of ids."})
	env, _ := terminalEnv(t)
	s := startTmux(t, env, 100, 30, binPath, "chat", "--base-url", fake.URL, "--root", t.TempDir(), "--toolkits", "files")
	s.waitFor("› ", 1)
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, `{"id":%d},`, i)
	}
	json := "[" + strings.TrimSuffix(b.String(), ",") + "]"
	file := filepath.Join(t.TempDir(), "paste.json")
	if err := os.WriteFile(file, []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	s.tmux("load-buffer", "-b", "big", file)
	s.tmux("send-keys", "-t", "0", "-l", "what is this? ")
	s.tmux("paste-buffer", "-p", "-b", "big", "-t", "0")
	s.waitFor(fmt.Sprintf("[paste 1: %d characters]", len(json)), 1)
	s.send("Enter")
	s.waitFor("A list of ids.", 1)
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	msgs := reqs[0].Body.Messages
	if got := msgs[len(msgs)-1].Content; got != "what is this? "+json {
		t.Errorf("the prompt sent was %d bytes (%q…), want the paste whole (%d bytes)", len(got), got[:min(len(got), 60)], len(json)+14)
	}
}

// TestChat_PromptTooLongIsLeftOut: a paste far over the model's window is
// not sent; chat says the prompt was left out, and the next turn goes
// through without it.
func TestChat_PromptTooLongIsLeftOut(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "Short and sweet."})
	env, _ := terminalEnv(t)
	s := startTmux(t, env, 120, 30, binPath, "chat", "--base-url", fake.URL, "--context-window", "12000", "--root", t.TempDir(), "--toolkits", "files")
	s.waitFor("› ", 1)
	file := filepath.Join(t.TempDir(), "paste.txt")
	if err := os.WriteFile(file, []byte(strings.Repeat("lorem ipsum dolor sit amet\n", 8000)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.tmux("load-buffer", "-b", "big", file)
	s.tmux("paste-buffer", "-p", "-b", "big", "-t", "0")
	s.waitFor("[paste 1: ", 1)
	s.send("Enter")
	s.waitFor("the prompt was left out", 1)
	s.waitFor("› ", 2)
	s.typeLine("just this")
	s.waitFor("Short and sweet.", 1)
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1 (the long prompt is never sent)", len(reqs))
	}
	if msgs := reqs[0].Body.Messages; len(msgs) != 1 || msgs[0].Content != "just this" {
		t.Errorf("the next turn carried the long prompt: %d messages", len(msgs))
	}
}
