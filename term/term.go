// Package term is the one owner of the terminal, the way cli/cli's iostreams
// is: it knows whether stdin, stdout and stderr are terminals, decides colour
// (NO_COLOR, TERM=dumb) and paging, and is the only reader of stdin.
//
// Every read of stdin happens inside a call (ReadLine, Confirm, ReadAll) and
// stops when the call returns: no goroutine is left reading that could take a
// line meant for the next prompt. A call waits for input and for its context
// together, so cancelling the context returns ctx.Err() at once and leaves
// whatever was typed for the next call. Calls are serialised.
//
// On a terminal, lines are edited with github.com/chzyer/readline (history,
// Ctrl-R search, word motions, a persistent history file); without one, each
// call reads one line with no escape codes, so a script of lines works. A
// trailing backslash continues the input on the next line in both modes.
package term

import (
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chzyer/readline"
	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IO is the process's standard streams and what is known about them.
type IO struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	getenv func(string) string

	stdinTTY, stdoutTTY, stderrTTY bool

	environ      func() []string
	historyFile  string
	historyLimit int
	maxLine      int

	mu    sync.Mutex // one call at a time
	src   *source    // stdin, read only inside calls
	plain plainLines // the line reader without a terminal
	rl    *readline.Instance
	gate  *gate // lets the line editor read only during a call

	pastes      *pasteFilter // the line editor's, for the placeholders of long pastes
	pasteWanted atomic.Bool  // an input is being read: raw mode brings bracketed paste
	pasteOn     atomic.Bool  // the terminal was asked for bracketed paste
	closed      bool
}

// Defaults for SetHistory and SetMaxLine.
const (
	DefaultHistoryLimit = 1000
	DefaultMaxLine      = 16 << 20
	// MaxHistoryBytes is the largest history file read back; a larger one
	// keeps only its newest lines.
	MaxHistoryBytes = 1 << 20
)

// New wraps the standard streams. getenv is consulted for NO_COLOR, TERM,
// COLUMNS, LINES, PAGER and LESS; the package reads no environment itself.
func New(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *IO {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	t := &IO{
		in: stdin, out: stdout, errOut: stderr, getenv: getenv,
		stdinTTY: isTerminal(stdin), stdoutTTY: isTerminal(stdout), stderrTTY: isTerminal(stderr),
		historyLimit: DefaultHistoryLimit, maxLine: DefaultMaxLine,
	}
	t.src = newSource(stdin)
	return t
}

// SetHistory keeps the terminal's input history in path (created 0600 in a
// 0700 folder), at most limit entries (DefaultHistoryLimit if limit < 1).
// Call it before the first ReadLine; "" keeps no history file.
func (t *IO) SetHistory(path string, limit int) {
	if limit < 1 {
		limit = DefaultHistoryLimit
	}
	t.historyFile, t.historyLimit = path, limit
}

// SetMaxLine bounds one input line without a terminal (DefaultMaxLine);
// a longer line is discarded and reported as ErrLineTooLong.
func (t *IO) SetMaxLine(n int) {
	if n > 0 {
		t.maxLine = n
	}
}

// SetEnviron gives the environment for the pager (default: the process's).
func (t *IO) SetEnviron(environ func() []string) { t.environ = environ }

// Out is standard output.
func (t *IO) Out() io.Writer { return t.out }

// ErrOut is standard error.
func (t *IO) ErrOut() io.Writer { return t.errOut }

// IsStdinTTY reports whether standard input is a terminal.
func (t *IO) IsStdinTTY() bool { return t.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (t *IO) IsStdoutTTY() bool { return t.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (t *IO) IsStderrTTY() bool { return t.stderrTTY }

// Interactive reports whether a person can be asked: stdin is a terminal and
// so is the stream prompts are written to (stdout, else stderr). Then
// ReadLine edits lines and Confirm asks; otherwise both read plain lines.
func (t *IO) Interactive() bool { return t.stdinTTY && (t.stdoutTTY || t.stderrTTY) }

// promptOut is where prompts go: the terminal among stdout and stderr.
func (t *IO) promptOut() io.Writer {
	if t.stdoutTTY {
		return t.out
	}
	return t.errOut
}

// ColorEnabled reports whether stdout may carry colour: it is a terminal,
// NO_COLOR is unset or empty, and TERM is not dumb.
func (t *IO) ColorEnabled() bool {
	return t.stdoutTTY && t.getenv("NO_COLOR") == "" && t.getenv("TERM") != "dumb"
}

// Width is the terminal's width in columns: stdout's, else stderr's, else
// COLUMNS, else 80.
func (t *IO) Width() int {
	w, _ := t.size()
	return w
}

// Height is the terminal's height in lines: stdout's, else stderr's, else
// LINES, else 24.
func (t *IO) Height() int {
	_, h := t.size()
	return h
}

func (t *IO) size() (w, h int) {
	for _, s := range []io.Writer{t.out, t.errOut} {
		if f, ok := s.(*os.File); ok && isTerminal(f) {
			if w, h, err := term.GetSize(fdOf(f)); err == nil && w > 0 && h > 0 {
				return w, h
			}
		}
	}
	w, h = 80, 24
	if n, err := strconv.Atoi(t.getenv("COLUMNS")); err == nil && n > 0 {
		w = n
	}
	if n, err := strconv.Atoi(t.getenv("LINES")); err == nil && n > 0 {
		h = n
	}
	return w, h
}

// Close restores the terminal and stops the line editor. Calls after Close
// return io.EOF.
func (t *IO) Close() error {
	t.src.close()
	t.mu.Lock()
	if t.gate != nil {
		t.gate.close()
	}
	defer t.mu.Unlock()
	t.closed = true
	if t.rl != nil {
		return t.rl.Close()
	}
	return nil
}

// isTerminal reports whether v is an *os.File on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && f != nil && fdOf(f) >= 0 && isatty.IsTerminal(uintptr(fdOf(f)))
}

// fdOf is f's descriptor, -1 if closed. Unlike f.Fd it leaves the file's
// blocking mode alone.
func fdOf(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1
	}
	return fd
}
