package term

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chzyer/readline"
)

// gate lets the line editor's reading goroutine read stdin only while a call
// is in progress, and with that call's done channel: between calls it waits
// here instead of in read(2).
type gate struct {
	mu     sync.Mutex
	cond   *sync.Cond
	active bool
	done   <-chan struct{}
	shut   bool
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) begin(done <-chan struct{}) (end func()) {
	g.mu.Lock()
	g.active, g.done = true, done
	g.cond.Broadcast()
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.active, g.done = false, nil
		g.mu.Unlock()
	}
}

// wait blocks until a call is in progress; ok is false once the gate is shut.
func (g *gate) wait() (done <-chan struct{}, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for !g.active && !g.shut {
		g.cond.Wait()
	}
	return g.done, !g.shut
}

func (g *gate) close() {
	g.mu.Lock()
	g.shut = true
	g.cond.Broadcast()
	g.mu.Unlock()
}

// editorStdin is the line editor's stdin: reads pass the gate, a cancelled
// call reads as Ctrl-C, which makes the editor return, and a bracketed paste
// is rewritten by the paste filter.
type editorStdin struct {
	src   *source
	gate  *gate
	paste pasteFilter
	ready []byte // filtered bytes not yet read
}

func (e *editorStdin) Read(p []byte) (int, error) {
	for len(e.ready) == 0 {
		done, ok := e.gate.wait()
		if !ok {
			return 0, io.EOF
		}
		n, err := e.src.read(done, p)
		if errors.Is(err, errCancelled) && len(p) > 0 {
			p[0] = readline.CharInterrupt
			return 1, nil
		}
		e.ready = e.paste.feed(e.ready, p[:n])
		if err != nil {
			e.ready = e.paste.flush(e.ready)
			if len(e.ready) == 0 {
				return 0, err
			}
		}
	}
	n := copy(p, e.ready)
	e.ready = e.ready[n:]
	return n, nil
}

// Close is called by the editor's Close; the source is closed by IO.Close.
func (e *editorStdin) Close() error { return nil }

// editor starts the line editor on the first interactive call.
func (t *IO) editor() (*readline.Instance, *gate, error) {
	if t.rl != nil {
		return t.rl, t.gate, nil
	}
	f, ok := t.in.(*os.File)
	if !ok {
		return nil, nil, errors.New("stdin is not a terminal")
	}
	fd := fdOf(f)
	if t.historyFile != "" {
		if err := trimHistory(t.historyFile); err != nil {
			return nil, nil, err
		}
	}
	var saved *readline.State
	g := newGate()
	stdin := &editorStdin{src: t.src, gate: g}
	cfg := &readline.Config{
		Stdin: stdin, Stdout: t.promptOut(), Stderr: t.errOut,
		HistoryFile: t.historyFile, HistoryLimit: t.historyLimit, DisableAutoSaveHistory: true, HistorySearchFold: true,
		FuncIsTerminal: func() bool { return true },
		FuncGetWidth:   t.Width,
		// Ctrl-Z suspends the process from inside the editor: bracketed
		// paste is turned off first, so that the shell does not inherit it,
		// and back on when the editor takes the terminal again.
		FuncFilterInputRune: func(r rune) (rune, bool) {
			if r == readline.CharCtrlZ {
				t.setPaste(false)
			}
			return r, true
		},
		FuncMakeRaw: func() error {
			st, err := readline.MakeRaw(fd)
			if err == nil {
				saved = st
				if t.pasteWanted.Load() {
					t.setPaste(true)
				}
			}
			return err
		},
		FuncExitRaw: func() error {
			if saved == nil {
				return nil
			}
			st := saved
			saved = nil
			return readline.Restore(fd, st)
		},
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("start the line editor: %w", err)
	}
	if t.historyFile != "" {
		os.Chmod(t.historyFile, 0o600) // the editor rewrites the file with 0666 when trimming it
	}
	t.rl, t.gate, t.pastes = rl, g, &stdin.paste
	return rl, g, nil
}

// editLine reads one input with the line editor; see ReadLine.
func (t *IO) editLine(ctx context.Context, prompt string) (string, error) {
	rl, g, err := t.editor()
	if err != nil {
		return "", err
	}
	defer g.begin(ctx.Done())()
	defer context.AfterFunc(ctx, t.src.wakeUp)()
	// Pastes arrive marked while the prompt waits (see pasteFilter and the
	// editor's raw-mode hooks), and only then: a paste during an answer
	// stays the terminal's plain text.
	t.pasteWanted.Store(true)
	t.setPaste(true)
	defer func() {
		t.pasteWanted.Store(false)
		t.setPaste(false)
	}()
	var parts []string
	p := prompt
	for {
		rl.SetPrompt(p)
		line, err := rl.Readline()
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case errors.Is(err, readline.ErrInterrupt):
			return strings.Join(append(parts, line), "\n"), ErrInterrupt
		case err == io.EOF && len(parts) > 0:
			return t.pastes.expand(strings.Join(parts, "\n"))
		case err != nil:
			return "", err
		}
		cont, ok := strings.CutSuffix(line, `\`)
		if ok {
			parts, p = append(parts, cont), "... "
			continue
		}
		input := strings.Join(append(parts, line), "\n")
		if strings.TrimSpace(input) != "" {
			// One history entry per input, on one line: a paste is one
			// entry (a long one by its placeholder), not a flood of lines.
			rl.SaveHistory(strings.ReplaceAll(input, "\n", " "))
		}
		expanded, err := t.pastes.expand(input)
		if err == nil {
			return expanded, nil
		}
		// A placeholder recalled from an older session: say so, ask again.
		fmt.Fprintln(t.errOut, err)
		parts, p = nil, prompt
	}
}

// setPaste asks the terminal for bracketed paste, or to stop, when that
// changes anything.
func (t *IO) setPaste(on bool) {
	if t.pasteOn.Swap(on) != on {
		if on {
			io.WriteString(t.promptOut(), pasteOn)
		} else {
			io.WriteString(t.promptOut(), pasteOff)
		}
	}
}

// editAnswer reads one answer with the line editor, keeping it out of the history.
func (t *IO) editAnswer(ctx context.Context, prompt string) (string, error) {
	rl, g, err := t.editor()
	if err != nil {
		return "", err
	}
	defer g.begin(ctx.Done())()
	defer context.AfterFunc(ctx, t.src.wakeUp)()
	rl.SetPrompt(prompt)
	line, err := rl.Readline()
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case errors.Is(err, readline.ErrInterrupt):
		return "", ErrInterrupt
	}
	return line, err
}

// trimHistory makes the history file's folder (0700) and the file (0600),
// and cuts a file larger than MaxHistoryBytes down to its newest lines, so
// the editor never reads more than that back.
func trimHistory(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("history folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() <= MaxHistoryBytes {
		return err
	}
	tail := make([]byte, MaxHistoryBytes)
	if _, err := f.ReadAt(tail, st.Size()-MaxHistoryBytes); err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	if i := bytes.IndexByte(tail, '\n'); i >= 0 {
		tail = tail[i+1:]
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	if _, err := f.WriteAt(tail, 0); err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	return nil
}
