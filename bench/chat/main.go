// Command chat measures a `glm-mcp chat` turn's own overhead in a real pty,
// against PRODUCT.md's target (under 5 ms) and, in the same run and the same
// harness, against baselines that cost only the terminal and process
// plumbing: `cat` (Enter to the line echoed back) and a shell read loop
// (Enter to its prompt back). A fake GLM endpoint on 127.0.0.1 dates each
// completion request's arrival and the write of its last token; the harness
// dates the Enter key and the prompt's return on screen, all on one
// monotonic clock. Run it through bench/chat.sh.
//
//	go run ./bench/chat -bin ./glm-mcp -n 50
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// prompt is what chat (and the shell baseline) prints when it waits for input.
const prompt = "› "

// waitStep bounds each wait for the screen or the endpoint.
const waitStep = 5 * time.Second

type config struct {
	bin     string
	n       int
	warmup  int
	target  time.Duration
	workDir string
	screen  string // if set, chat's raw terminal output is written there
	store   bool   // keep the transcript (in the temporary HOME) instead of --no-store
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "./glm-mcp", "glm-mcp binary")
	flag.IntVar(&c.n, "n", 50, "measured turns (1 to 1000)")
	flag.IntVar(&c.warmup, "warmup", 2, "turns before the measured ones (the first is reported on its own)")
	flag.DurationVar(&c.target, "target", 5*time.Millisecond, "PRODUCT.md's bound on the medians of (a), (b) and (a)+(b)")
	flag.StringVar(&c.screen, "screen", "", "write chat's raw terminal output to this file (to check what was measured)")
	flag.BoolVar(&c.store, "store", false, "keep the transcript in the store (under a temporary HOME) instead of --no-store")
	flag.Parse()
	if c.n < 1 || c.n > 1000 || c.warmup < 1 || c.warmup > 10 {
		fmt.Fprintln(os.Stderr, "chat bench: -n must be 1..1000 and -warmup 1..10")
		os.Exit(2)
	}
	over, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat bench:", err)
		os.Exit(2)
	}
	if over {
		os.Exit(1)
	}
}

func run(c config) (over bool, err error) {
	dir, err := os.MkdirTemp("", "glm-mcp-chat-bench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	c.workDir = dir
	e, err := startEndpoint(c.n + c.warmup)
	if err != nil {
		return false, err
	}
	defer e.close()
	chat, err := measureChat(c, e)
	if err != nil {
		return false, fmt.Errorf("glm-mcp chat: %w", err)
	}
	catRT, err := measureBaseline(c, "", "cat")
	if err != nil {
		return false, fmt.Errorf("baseline cat: %w", err)
	}
	loop := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do printf '%s'; IFS= read -r l || exit 0; printf '%%s\n' "$l"; i=$((i+1)); done`,
		c.n+c.warmup+1, prompt)
	shRT, err := measureBaseline(c, prompt, "/bin/sh", "-c", loop)
	if err != nil {
		return false, fmt.Errorf("baseline sh read loop: %w", err)
	}
	return report(os.Stdout, c, chat, catRT, shRT), nil
}

// env is the programs' whole environment: nothing of the caller's config,
// proxies or keys reaches them.
func env(dir string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir + "/config",
		"XDG_STATE_HOME=" + dir + "/state", "TERM=xterm-256color", "NO_COLOR=1", "LANG=C.UTF-8",
		"ZAI_API_KEY=dummy",
	}
}

// chatTimes holds each turn's (a) and (b), warm-up turns first.
type chatTimes struct{ a, b []time.Duration }

func measureChat(c config, e *endpoint) (chatTimes, error) {
	args := []string{"chat", "--base-url", e.URL, "--toolkits", "files"}
	if !c.store {
		args = append(args, "--no-store")
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Dir, cmd.Env = c.workDir, env(c.workDir)
	s, err := startScreen(cmd)
	if err != nil {
		return chatTimes{}, err
	}
	var ct chatTimes
	err = func() error {
		if _, _, err := s.waitFor(0, prompt, 3*waitStep); err != nil {
			return err
		}
		for i := 1; i <= c.n+c.warmup; i++ {
			a, b, err := chatTurn(s, e, i)
			if err != nil {
				return fmt.Errorf("turn %d: %w", i, err)
			}
			ct.a, ct.b = append(ct.a, a), append(ct.b, b)
		}
		return nil
	}()
	err = errors.Join(err, s.stop(waitStep))
	if c.screen != "" {
		err = errors.Join(err, os.WriteFile(c.screen, s.bytes(), 0o600))
	}
	return ct, err
}

// chatTurn types a line, then Enter, and dates (a) Enter to the request's
// arrival at the endpoint and (b) the endpoint's write of the last token to
// the prompt back on screen.
func chatTurn(s *screen, e *endpoint, i int) (a, b time.Duration, err error) {
	text := fmt.Sprintf("hello %d", i)
	pos, err := typeLine(s, text)
	if err != nil {
		return 0, 0, err
	}
	enter, err := s.typeKeys("\r")
	if err != nil {
		return 0, 0, err
	}
	h, err := e.next(waitStep)
	if err != nil {
		return 0, 0, err
	}
	if h.n != i {
		return 0, 0, fmt.Errorf("the endpoint saw request %d, want %d (one request per turn)", h.n, i)
	}
	end, _, err := s.waitFor(pos, fmt.Sprintf("end-%d.", i), waitStep)
	if err != nil {
		return 0, 0, err
	}
	_, back, err := s.waitFor(end, prompt, waitStep)
	if err != nil {
		return 0, 0, err
	}
	return h.arrived.Sub(enter), back.Sub(h.final), nil
}

// think is the pause between a line's echo and Enter, as a person's would
// be (and longer than any redraw the echo sets off), so that Enter finds
// the program idle and nothing of the typing is counted in (a).
const think = 5 * time.Millisecond

// typeLine types text, waits for its echo and a moment of thought; it
// returns the screen's offset before Enter.
func typeLine(s *screen, text string) (int, error) {
	from := s.mark()
	if _, err := s.typeKeys(text); err != nil {
		return 0, err
	}
	if _, _, err := s.waitFor(from, text, waitStep); err != nil {
		return 0, err
	}
	time.Sleep(think)
	return s.mark(), nil
}

// measureBaseline runs argv in the same pty harness and dates, for each
// line typed, Enter to the moment back shows after it (the shell loop's
// prompt), or with back empty, to cat's copy of the line.
func measureBaseline(c config, back string, argv ...string) ([]time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = c.workDir, env(c.workDir)
	s, err := startScreen(cmd)
	if err != nil {
		return nil, err
	}
	var rts []time.Duration
	err = func() error {
		if back == prompt {
			if _, _, err := s.waitFor(0, prompt, waitStep); err != nil {
				return err
			}
		}
		for i := 1; i <= c.n+c.warmup; i++ {
			text := fmt.Sprintf("ping %d", i)
			pos, err := typeLine(s, text)
			if err != nil {
				return fmt.Errorf("line %d: %w", i, err)
			}
			enter, err := s.typeKeys("\r")
			if err != nil {
				return err
			}
			want := back
			if want == "" {
				want = text + "\r\n" // cat's copy comes after the terminal's echo of Enter
			}
			_, t, err := s.waitFor(pos, want, waitStep)
			if err != nil {
				return fmt.Errorf("line %d: %w", i, err)
			}
			rts = append(rts, t.Sub(enter))
		}
		return nil
	}()
	return rts, errors.Join(err, s.stop(waitStep))
}
