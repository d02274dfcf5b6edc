package term

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// syncBuffer collects what the terminal shows.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// screen is a real pseudo-terminal with an IO on its terminal side.
type screen struct {
	t     *testing.T
	ptmx  *os.File
	tty   *os.File
	shown *syncBuffer
	io    *IO
}

// waitLimit bounds every wait for the terminal, so a broken test fails instead of hanging.
const waitLimit = 20 * time.Second

func newScreen(t *testing.T, env map[string]string) *screen {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	s := &screen{t: t, ptmx: ptmx, tty: tty, shown: &syncBuffer{}}
	copied := make(chan struct{})
	go func() { io.Copy(s.shown, ptmx); close(copied) }()
	s.io = New(tty, tty, tty, func(k string) string { return env[k] })
	t.Cleanup(func() {
		s.io.Close()
		tty.Close()
		ptmx.Close()
		<-copied
	})
	return s
}

// type sends keys once the screen shows want (a prompt).
func (s *screen) typeAfter(want, keys string) {
	s.t.Helper()
	s.waitFor(want)
	if _, err := s.ptmx.Write([]byte(keys)); err != nil {
		s.t.Fatal(err)
	}
}

// waitFor waits until the screen has shown want n times in all.
func (s *screen) waitFor(want string) {
	s.t.Helper()
	s.waitCount(want, 1)
}

func (s *screen) waitCount(want string, n int) {
	s.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for strings.Count(s.shown.String(), want) < n {
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q %d times:\n%q", want, n, s.shown.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type result struct {
	line string
	ok   bool
	err  error
}

// readLine runs ReadLine in the background.
func (s *screen) readLine(ctx context.Context, prompt string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		line, err := s.io.ReadLine(ctx, prompt)
		ch <- result{line: line, err: err}
	}()
	return ch
}

func (s *screen) confirm(ctx context.Context, q string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		ok, err := s.io.Confirm(ctx, q)
		ch <- result{ok: ok, err: err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitLimit):
		t.Fatal("the call never returned")
	}
	return result{}
}

const (
	keyLeft   = "\x1b[D"
	keyUp     = "\x1b[A"
	keyCtrlA  = "\x01"
	keyCtrlC  = "\x03"
	keyCtrlD  = "\x04"
	keyCtrlW  = "\x17"
	keyEnter  = "\r"
	keyDelete = "\x7f"
)

func TestIO_ReadLine_Terminal(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string // each sent after the prompt shows once more
		want    string
		wantErr error
	}{
		{name: "plain", keys: []string{"hello" + keyEnter}, want: "hello"},
		{name: "cursor motion and insert", keys: []string{"helo" + keyLeft + "l" + keyEnter}, want: "hello"},
		{name: "start of line", keys: []string{"world" + keyCtrlA + "hello " + keyEnter}, want: "hello world"},
		{name: "backspace and delete word", keys: []string{"one two" + keyCtrlW + "three" + keyDelete + "e" + keyEnter}, want: "one three"},
		{name: "continuation", keys: []string{"first \\" + keyEnter, "second" + keyEnter}, want: "first \nsecond"},
		{name: "ctrl-c on an empty prompt", keys: []string{keyCtrlC}, want: "", wantErr: ErrInterrupt},
		{name: "ctrl-c keeps the abandoned text", keys: []string{"half" + keyCtrlC}, want: "half", wantErr: ErrInterrupt},
		{name: "ctrl-d on an empty prompt", keys: []string{keyCtrlD}, wantErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScreen(t, nil)
			ch := s.readLine(context.Background(), "you> ")
			for i, k := range tt.keys {
				prompt := "you> "
				if i > 0 {
					prompt = "... "
				}
				s.waitCount(prompt, 1)
				s.typeAfter(prompt, k)
			}
			r := wait(t, ch)
			if r.line != tt.want || !errors.Is(r.err, tt.wantErr) {
				t.Errorf("ReadLine = %q, %v; want %q, %v", r.line, r.err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestIO_ReadLine_TerminalHistory(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "state", "history")
	ctx := context.Background()
	first := newScreen(t, nil)
	first.io.SetHistory(hist, 50)
	ch := first.readLine(ctx, "1> ")
	first.typeAfter("1> ", "remember me"+keyEnter)
	if r := wait(t, ch); r.line != "remember me" {
		t.Fatalf("first line = %q, %v", r.line, r.err)
	}
	ch = first.readLine(ctx, "2> ")
	first.typeAfter("2> ", keyUp+" again"+keyEnter)
	if r := wait(t, ch); r.line != "remember me again" {
		t.Fatalf("up arrow in the same session = %q, %v", r.line, r.err)
	}
	first.io.Close()

	st, err := os.Stat(hist)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("history file %v, %v; want mode 0600", st, err)
	}
	second := newScreen(t, nil)
	second.io.SetHistory(hist, 50)
	ch = second.readLine(ctx, "3> ")
	second.typeAfter("3> ", keyUp+keyUp+keyEnter)
	if r := wait(t, ch); r.line != "remember me" {
		t.Fatalf("history of the last session = %q, %v; want the older entry", r.line, r.err)
	}
}

func TestIO_ReadLine_HistoryLimits(t *testing.T) {
	tests := []struct {
		name      string
		lines     int
		lineBytes int
		limit     int
		maxLines  int
		maxBytes  int64
	}{
		{name: "entry limit", lines: 5000, lineBytes: 20, limit: 100, maxLines: 101, maxBytes: 101 * 21},
		{name: "byte limit", lines: 40, lineBytes: 200 << 10, limit: 1000, maxLines: 6, maxBytes: MaxHistoryBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hist := filepath.Join(t.TempDir(), "history")
			var b strings.Builder
			for i := range tt.lines {
				b.WriteString(strings.Repeat(string(rune('a'+i%26)), tt.lineBytes) + "\n")
			}
			if err := os.WriteFile(hist, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			s := newScreen(t, nil)
			s.io.SetHistory(hist, tt.limit)
			ch := s.readLine(context.Background(), "> ")
			s.typeAfter("> ", "new entry"+keyEnter)
			if r := wait(t, ch); r.line != "new entry" {
				t.Fatalf("ReadLine = %q, %v", r.line, r.err)
			}
			s.io.Close()
			data, err := os.ReadFile(hist)
			if err != nil {
				t.Fatal(err)
			}
			n := strings.Count(string(data), "\n")
			if n > tt.maxLines || int64(len(data)) > tt.maxBytes+int64(len("new entry\n")) {
				t.Errorf("history kept %d lines, %d bytes; want at most %d lines, %d bytes", n, len(data), tt.maxLines, tt.maxBytes)
			}
			if !strings.HasSuffix(string(data), "new entry\n") {
				t.Errorf("history lost the newest entry: ...%q", data[max(0, len(data)-40):])
			}
		})
	}
}

func TestIO_Confirm_Terminal(t *testing.T) {
	tests := []struct {
		name    string
		keys    string
		want    bool
		wantErr error
	}{
		{name: "y", keys: "y" + keyEnter, want: true},
		{name: "yes", keys: "YES" + keyEnter, want: true},
		{name: "enter is no", keys: keyEnter, want: false},
		{name: "n", keys: "n" + keyEnter, want: false},
		{name: "ctrl-c", keys: keyCtrlC, wantErr: ErrInterrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScreen(t, nil)
			ch := s.confirm(context.Background(), "Run write_file with\n{\"path\":\"a\"}\nAllow?")
			s.typeAfter("Allow? [y/N] ", tt.keys)
			r := wait(t, ch)
			if r.ok != tt.want || !errors.Is(r.err, tt.wantErr) {
				t.Errorf("Confirm = %v, %v; want %v, %v", r.ok, r.err, tt.want, tt.wantErr)
			}
			if !strings.Contains(s.shown.String(), "{\"path\":\"a\"}") {
				t.Errorf("the question was not shown: %q", s.shown.String())
			}
		})
	}
}

// A cancelled call returns ctx.Err(), and nothing keeps reading: the next
// line typed, even between calls, reaches the next call.
func TestIO_ReadLine_TerminalCancel(t *testing.T) {
	s := newScreen(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ch := s.confirm(ctx, "Allow?")
	s.waitFor("Allow? [y/N] ")
	cancel()
	if r := wait(t, ch); !errors.Is(r.err, context.Canceled) || r.ok {
		t.Fatalf("cancelled Confirm = %v, %v; want context.Canceled", r.ok, r.err)
	}
	if _, err := s.ptmx.Write([]byte("typed between calls" + keyEnter)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // room for a stray reader to take the line
	r := wait(t, s.readLine(context.Background(), "next> "))
	if r.line != "typed between calls" || r.err != nil {
		t.Fatalf("next ReadLine = %q, %v; want the line typed between calls", r.line, r.err)
	}
	ch = s.readLine(context.Background(), "last> ")
	s.typeAfter("last> ", "still works"+keyEnter)
	if r := wait(t, ch); r.line != "still works" {
		t.Fatalf("ReadLine after a cancel = %q, %v", r.line, r.err)
	}
}

func TestIO_Close_Terminal(t *testing.T) {
	s := newScreen(t, nil)
	ch := s.readLine(context.Background(), "> ")
	s.waitFor("> ")
	if err := s.io.Close(); err != nil {
		t.Fatal(err)
	}
	if r := wait(t, ch); !errors.Is(r.err, io.EOF) {
		t.Fatalf("ReadLine during Close = %q, %v; want io.EOF", r.line, r.err)
	}
	if _, err := s.io.ReadLine(context.Background(), "> "); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadLine after Close = %v; want ErrClosed", err)
	}
}

func TestIO_Terminal(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantColor bool
	}{
		{name: "terminal", env: map[string]string{"TERM": "xterm-256color"}, wantColor: true},
		{name: "NO_COLOR", env: map[string]string{"TERM": "xterm", "NO_COLOR": "1"}, wantColor: false},
		{name: "empty NO_COLOR", env: map[string]string{"TERM": "xterm", "NO_COLOR": ""}, wantColor: true},
		{name: "dumb", env: map[string]string{"TERM": "dumb"}, wantColor: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScreen(t, tt.env)
			if got := s.io.ColorEnabled(); got != tt.wantColor {
				t.Errorf("ColorEnabled = %v; want %v", got, tt.wantColor)
			}
			if !s.io.IsStdinTTY() || !s.io.IsStdoutTTY() || !s.io.Interactive() {
				t.Errorf("a pty is not seen as a terminal")
			}
			if w, h := s.io.Width(), s.io.Height(); w != 100 || h != 30 {
				t.Errorf("size = %dx%d; want 100x30", w, h)
			}
		})
	}
}
