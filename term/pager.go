package term

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Pager returns where to write long output: the pager's input when stdout is
// a terminal ($PAGER run by sh, default `less -R`, with LESS=FRX when LESS is
// unset so that less quits on a short text and keeps colours), else stdout
// itself. Close waits for the pager to exit. A pager that cannot start, or
// PAGER=cat or empty after trimming, writes to stdout directly. Cancelling
// ctx ends the pager.
func (t *IO) Pager(ctx context.Context) (io.WriteCloser, error) {
	cmdline := strings.TrimSpace(t.getenv("PAGER"))
	if cmdline == "" {
		cmdline = "less -R"
	}
	if !t.stdoutTTY || cmdline == "cat" {
		return nopCloser{t.out}, nil
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
	environ := os.Environ
	if t.environ != nil {
		environ = t.environ
	}
	cmd.Env = environ()
	if t.getenv("LESS") == "" {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	if t.getenv("LV") == "" {
		cmd.Env = append(cmd.Env, "LV=-c")
	}
	cmd.Stdout, cmd.Stderr = t.out, t.errOut
	in, err := cmd.StdinPipe()
	if err != nil {
		return nopCloser{t.out}, nil
	}
	if err := cmd.Start(); err != nil {
		return nopCloser{t.out}, nil
	}
	return &pager{in: in, cmd: cmd}, nil
}

// Page writes text to stdout, through the pager when stdout is a terminal
// and the text takes more lines than the screen has.
func (t *IO) Page(ctx context.Context, text string) error {
	if !t.stdoutTTY || screenLines(text, t.Width()) < t.Height() {
		_, err := io.WriteString(t.out, text)
		return err
	}
	w, err := t.Pager(ctx)
	if err != nil {
		return err
	}
	_, werr := io.WriteString(w, text)
	if err := w.Close(); err != nil {
		return err
	}
	return werr
}

// ansi matches the escape sequences that take no room on screen.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)`)

// screenLines counts the lines text takes on a screen width columns wide.
func screenLines(text string, width int) int {
	if width < 1 {
		width = 80
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		cols := utf8.RuneCountInString(ansi.ReplaceAllString(line, ""))
		n += max(1, (cols+width-1)/width)
	}
	return n
}

type pager struct {
	in     io.WriteCloser
	cmd    *exec.Cmd
	broken bool
}

// Write passes p to the pager; once the user has quit it, the rest is dropped.
func (p *pager) Write(b []byte) (int, error) {
	if p.broken {
		return len(b), nil
	}
	n, err := p.in.Write(b)
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		p.broken = true
		return len(b), nil
	}
	return n, err
}

// Close ends the pager's input and waits for it.
func (p *pager) Close() error {
	p.in.Close()
	err := p.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) && p.broken {
		return nil // quit early: the pager may report the broken pipe
	}
	if err != nil {
		return fmt.Errorf("pager: %w", err)
	}
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
