package term

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors of the input calls.
var (
	// ErrInterrupt: Ctrl-C at the prompt. ReadLine returns it with the text
	// that was abandoned ("" at an empty prompt).
	ErrInterrupt = errors.New("interrupted")
	// ErrTooLong: a line or input longer than the limit; it was discarded.
	ErrTooLong = errors.New("input too long")
	// ErrClosed: the IO was closed.
	ErrClosed = errors.New("terminal closed")
)

// ReadLine reads one input: on a terminal with line editing and history,
// writing prompt; without one, one line of stdin (no prompt, no escape
// codes). A line ending in a backslash continues on the next line; the lines
// are joined with "\n" and the backslashes dropped. Ctrl-C returns
// ErrInterrupt, Ctrl-D at an empty prompt (or the end of stdin) io.EOF, and a
// cancelled ctx ctx.Err(), leaving anything typed after it for the next call.
func (t *IO) ReadLine(ctx context.Context, prompt string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return "", ErrClosed
	}
	if t.Interactive() {
		return t.editLine(ctx, prompt)
	}
	var parts []string
	size := 0
	for {
		line, err := t.plain.line(ctx, t.src, t.maxLine)
		if err != nil {
			if err == io.EOF && len(parts) > 0 {
				return strings.Join(parts, "\n"), nil
			}
			return "", err
		}
		if size += len(line) + 1; size > t.maxLine {
			return "", ErrTooLong
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			parts = append(parts, cont)
			continue
		}
		return strings.Join(append(parts, line), "\n"), nil
	}
}

// Confirm asks a yes/no question through the same reader as ReadLine and
// reports whether the answer was y or yes (any case); anything else is no.
// On a terminal the question's last line becomes the prompt, followed by
// " [y/N] "; without one the question goes to stderr and one line of stdin
// is the answer. Ctrl-C returns ErrInterrupt, the end of input io.EOF, a
// cancelled ctx ctx.Err(); each with false.
func (t *IO) Confirm(ctx context.Context, question string) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false, ErrClosed
	}
	var answer string
	var err error
	if t.Interactive() {
		head, last := "", question
		if i := strings.LastIndexByte(question, '\n'); i >= 0 {
			head, last = question[:i+1], question[i+1:]
		}
		io.WriteString(t.promptOut(), head)
		answer, err = t.editAnswer(ctx, last+" [y/N] ")
	} else {
		fmt.Fprintf(t.errOut, "%s [y/N] ", question)
		answer, err = t.plain.line(ctx, t.src, t.maxLine)
		fmt.Fprintln(t.errOut)
	}
	if err != nil {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes", nil
}

// ReadAll reads the rest of stdin (for a prompt piped in), at most limit
// bytes; more is ErrTooLong. Meant for stdin that is not a terminal.
func (t *IO) ReadAll(ctx context.Context, limit int) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	return t.plain.all(ctx, t.src, limit)
}

// plainLines splits stdin into lines without a terminal. Bytes read past a
// line stay here for the next call.
type plainLines struct {
	buf      []byte
	eof      bool
	skipping bool // the current line passed the limit and is being discarded
}

// line returns the next line without its "\n" (or "\r\n"). A line longer
// than limit is discarded whole and reported as ErrTooLong.
func (pl *plainLines) line(ctx context.Context, src *source, limit int) (string, error) {
	stop := context.AfterFunc(ctx, src.wakeUp)
	defer stop()
	chunk := make([]byte, 32<<10)
	for {
		if i := bytes.IndexByte(pl.buf, '\n'); i >= 0 {
			line := string(pl.buf[:i])
			pl.buf = pl.buf[i+1:]
			if pl.skipping {
				pl.skipping = false
				return "", ErrTooLong
			}
			return strings.TrimSuffix(line, "\r"), nil
		}
		if len(pl.buf) > limit {
			pl.buf, pl.skipping = pl.buf[:0], true
		}
		if pl.eof {
			line, skipped := string(pl.buf), pl.skipping
			pl.buf, pl.skipping = nil, false
			switch {
			case skipped:
				return "", ErrTooLong
			case line != "":
				return line, nil
			}
			return "", io.EOF
		}
		if err := pl.fill(ctx, src, chunk); err != nil {
			return "", err
		}
	}
}

// fill reads once from src into the buffer.
func (pl *plainLines) fill(ctx context.Context, src *source, chunk []byte) error {
	n, err := src.read(ctx.Done(), chunk)
	pl.buf = append(pl.buf, chunk[:n]...)
	switch {
	case errors.Is(err, errCancelled):
		return ctx.Err()
	case err == io.EOF:
		pl.eof = true
	case err != nil:
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

// all returns everything left, up to limit bytes.
func (pl *plainLines) all(ctx context.Context, src *source, limit int) ([]byte, error) {
	stop := context.AfterFunc(ctx, src.wakeUp)
	defer stop()
	chunk := make([]byte, 32<<10)
	for !pl.eof {
		if len(pl.buf) > limit {
			pl.buf = nil
			return nil, ErrTooLong
		}
		if err := pl.fill(ctx, src, chunk); err != nil {
			return nil, err
		}
	}
	out := pl.buf
	pl.buf = nil
	if len(out) > limit {
		return nil, ErrTooLong
	}
	return out, nil
}
