package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
	"github.com/glm-mcp/glm-mcp/store"
)

// TestCLI_HelpOnceAndShortErrors: -h prints its usage once, on stdout; a bad
// flag is one line on stderr.
func TestCLI_HelpOnceAndShortErrors(t *testing.T) {
	for _, cmd := range []string{"ask", "chat", "serve", "replay", "tools"} {
		res := runBin(t, nil, "", cmd, "-h")
		if res.code != 0 || strings.Count(res.stdout, "Usage: glm-mcp "+cmd) != 1 {
			t.Errorf("%s -h: exit %d, usage printed %d times", cmd, res.code, strings.Count(res.stdout, "Usage: glm-mcp "+cmd))
		}
		res = runBin(t, nil, "", cmd, "--no-such-flag")
		if res.code != exitUsage || strings.Count(res.stderr, "\n") != 1 || !strings.Contains(res.stderr, "unknown flag --no-such-flag") {
			t.Errorf("%s --no-such-flag: exit %d, stderr %q; want one line and exit 2", cmd, res.code, res.stderr)
		}
	}
}

// TestAsk_PipedStdinJoinsThePrompt: `echo text | glm-mcp ask "explain"`
// sends both, the prompt first.
func TestAsk_PipedStdinJoinsThePrompt(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "it is a haiku"})
	env, _ := askEnv(t)
	res := runBin(t, env, "an old silent pond\n", "ask", "--base-url", fake.URL, "--toolkits", "files", "explain this")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	msgs := fake.Requests()[0].Body.Messages
	if got := msgs[len(msgs)-1].Content; got != "explain this\n\nan old silent pond" {
		t.Errorf("prompt sent %q", got)
	}
}

// TestAsk_CtrlCWording: an interrupted run says it was cancelled, in words,
// in text and in --json.
func TestAsk_CtrlCWording(t *testing.T) {
	for _, jsonOut := range []bool{false, true} {
		fake := glmtest.New(t, glmtest.Turn{Content: "The partial answer is", Hang: true})
		env, _ := askEnv(t)
		args := []string{"ask", "--base-url", fake.URL, "--toolkits", "files"}
		if jsonOut {
			args = append(args, "--json")
		}
		cmd := exec.Command(binPath, append(args, "tell me")...)
		cmd.Env = append(os.Environ(), env...)
		var out, errOut syncBuffer
		cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errOut, strings.NewReader("")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 400 && !strings.Contains(out.String(), "partial answer is"); i++ {
			time.Sleep(25 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		var ee *exec.ExitError
		if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
			t.Fatalf("exit %v, want 130", err)
		}
		all := out.String() + errOut.String()
		if !strings.Contains(all, "cancelled by the user") || strings.Contains(all, "stream broken") || strings.Contains(all, "context canceled") {
			t.Errorf("json=%v: want the cancel in words, got:\n%s", jsonOut, all)
		}
	}
}

// TestReplay_LiveShowsPromptsAndCountsSteps: replay --live shows each prompt
// before its answer, and its closing step count is what `transcripts list` says.
func TestReplay_LiveShowsPromptsAndCountsSteps(t *testing.T) {
	root := projectRoot(t)
	fake := glmtest.New(t,
		glmtest.Turn{Content: "first answer"},
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "c1", Name: "find_files", Arguments: `{"pattern":"*.md"}`}}},
		glmtest.Turn{Content: "second answer"},
	)
	env, db := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "first question"); res.code != 0 {
		t.Fatalf("ask: %s", res.stderr)
	}
	if res := runBin(t, env, "", "ask", "-c", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "second question"); res.code != 0 {
		t.Fatalf("ask -c: %s", res.stderr)
	}
	fake.Push(glmtest.Turn{Content: "again one"},
		glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "c2", Name: "find_files", Arguments: `{"pattern":"*.md"}`}}},
		glmtest.Turn{Content: "again two"})
	res := runBin(t, env, "", "replay", "last", "--live", "--base-url", fake.URL)
	if res.code != 0 {
		t.Fatalf("replay --live: exit %d: %s", res.code, res.stderr)
	}
	first, second := strings.Index(res.stderr, "> first question"), strings.Index(res.stderr, "> second question")
	if first < 0 || second < first || !strings.Contains(res.stdout, "again one") || !strings.Contains(res.stdout, "again two") {
		t.Fatalf("prompts not shown in order:\nstdout %s\nstderr %s", res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "done · 3 steps") {
		t.Errorf("closing line should count 3 steps: %s", res.stderr)
	}
	tr := latest(t, db)
	if tr.Steps != 3 || tr.Relation != store.RelationReplay {
		t.Errorf("transcripts list says %d steps (relation %q), the closing line 3", tr.Steps, tr.Relation)
	}
}

// TestServe_JSONLogsHaveUniqueKeys: every --log-format json line parses and
// names each key once, for a good call and a failing one.
func TestServe_JSONLogsHaveUniqueKeys(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.txt": "hello\n"})
	cmd := exec.Command(binPath, "serve", "--root", root, "--toolkits", "files", "--log-level", "debug", "--log-format", "json")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(outPipe)
	for i, line := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"a.txt"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"missing.txt"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"read_file","arguments":{"offset":0}}}`,
	} {
		io.WriteString(in, line+"\n")
		if i == 0 {
			io.WriteString(in, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
		}
		if _, err := out.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	in.Close()
	cmd.Wait()
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	calls := 0
	for _, l := range lines {
		keys, err := topLevelKeys([]byte(l))
		if err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("key %q twice in %s", k, l)
			}
			seen[k] = true
		}
		if seen["tool"] {
			calls++
		}
	}
	if calls < 3 {
		t.Errorf("want a log line per call (3), got %d:\n%s", calls, errOut.String())
	}
}

// topLevelKeys lists an object's keys in order, repeats included.
func topLevelKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// TestTools_MissingMCPConfig: a named file that is not there is a usage
// error, whatever the format.
func TestTools_MissingMCPConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	for _, format := range []string{"mcp", "openai"} {
		res := runBin(t, nil, "", "tools", "--toolkits", "files", "--format", format, "--mcp-config", missing)
		if res.code != exitUsage || !strings.Contains(res.stderr, "missing.json") {
			t.Errorf("--format %s: exit %d, stderr %q; want 2 naming the file", format, res.code, res.stderr)
		}
	}
}

// TestReplay_RefusesBadFlagsLikeAsk: offline replay checks the same values
// as ask, before opening anything.
func TestReplay_RefusesBadFlagsLikeAsk(t *testing.T) {
	env, _ := askEnv(t)
	for _, args := range [][]string{
		{"--max-tool-output", "-5"}, {"--tool-timeout", "-1s"}, {"--max-steps", "0"}, {"--temperature", "3"}, {"--log-level", "loud"},
	} {
		for _, cmd := range []string{"ask", "replay"} {
			res := runBin(t, env, "", append(append([]string{cmd}, args...), "last")...)
			if res.code != exitUsage {
				t.Errorf("%s %v: exit %d, want 2 (%s)", cmd, args, res.code, res.stderr)
			}
		}
	}
}

// TestAsk_NoGluedAnswers: on zai, --tool-choice required is emulated; when
// the model first answers without a call, its two answers stay on separate
// lines of stdout and the injected nudge is not shown.
func TestAsk_NoGluedAnswers(t *testing.T) {
	fake := glmtest.New(t,
		glmtest.Turn{Content: "I think it is fine."},
		glmtest.Turn{ToolCalls: []glmtest.Call{{Name: "find_files", Arguments: `{"pattern":"*.go"}`}}},
		glmtest.Turn{Content: "Checked: it is fine."},
	)
	env, _ := askEnv(t)
	res := runBin(t, env, "", "ask", "--provider", "zai", "--base-url", fake.URL, "--root", projectRoot(t), "--toolkits", "files", "--tool-choice", "required", "is it fine?")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if res.stdout != "I think it is fine.\nChecked: it is fine.\n" {
		t.Errorf("stdout %q: the answers must not be glued", res.stdout)
	}
	if strings.Contains(res.stdout+res.stderr, "before answering") {
		t.Errorf("the injected nudge is shown:\n%s%s", res.stdout, res.stderr)
	}
}

// TestServe_HintOnATerminal: serve started by hand on a terminal says what it
// is waiting for; spawned by an editor (pipes) it says nothing on stderr.
func TestServe_HintOnATerminal(t *testing.T) {
	res := runCmd(t, nil, "", "/usr/bin/script", "-qec", binPath+" serve --toolkits files --log-level warn", "/dev/null")
	if !strings.Contains(res.stdout, "speaking MCP (JSON-RPC) on stdin and stdout") || !strings.Contains(res.stdout, "Ctrl-D") {
		t.Errorf("no hint on a terminal:\n%s", res.stdout)
	}
	res = runBin(t, nil, "", "serve", "--toolkits", "files", "--log-level", "warn")
	if res.code != 0 || strings.Contains(res.stderr, "speaking MCP") {
		t.Errorf("without a terminal: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestReplay_LiveDoesNotFollowARecordedEndpoint: a transcript (an export file
// kept in a repository, say) cannot send the API key to the endpoint it
// names: without the user's --base-url or a yes on a terminal, replay --live
// does not use it, and no request reaches it.
func TestReplay_LiveDoesNotFollowARecordedEndpoint(t *testing.T) {
	fake := glmtest.New(t, glmtest.Turn{Content: "recorded"})
	env, _ := askEnv(t)
	env = append(env, "OPENAI_API_KEY="+testKey)
	if res := runBin(t, env, "", "ask", "--provider", "openai-compatible", "--base-url", fake.URL, "--toolkits", "files", "hi"); res.code != 0 {
		t.Fatalf("ask: %s", res.stderr)
	}
	res := runBin(t, env, "", "replay", "last", "--live")
	if fake.Count() != 1 {
		t.Errorf("the live replay sent %d requests to the recorded endpoint", fake.Count()-1)
	}
	if res.code == 0 || !strings.Contains(res.stderr, "not using the endpoint recorded") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}
