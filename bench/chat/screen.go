package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"

	"github.com/creack/pty"
)

// maxScreen bounds what a screen keeps of a program's output.
const maxScreen = 16 << 20

// screen is a program running in a real pty. A dedicated goroutine does
// blocking reads of the pty's master side and dates each read the moment it
// returns; an event on screen is dated by the read that delivered its last
// byte. That is the harness's granularity: one wake-up of the reader after
// the program's write, the same for glm-mcp and the baselines.
type screen struct {
	cmd  *exec.Cmd
	ptmx *os.File

	mu    sync.Mutex
	buf   []byte
	ends  []int       // ends[i]: len(buf) after read i
	times []time.Time // times[i]: when read i returned
	rerr  error       // the read loop's end

	wake   chan struct{} // a signal per read (capacity 1)
	exited chan struct{} // closed when the program has exited
}

func startScreen(cmd *exec.Cmd) (*screen, error) {
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 120, Rows: 40})
	if err != nil {
		return nil, fmt.Errorf("start %s in a pty: %w", cmd.Path, err)
	}
	s := &screen{cmd: cmd, ptmx: ptmx, wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go s.read()
	go func() { _ = cmd.Wait(); close(s.exited) }()
	return s, nil
}

func (s *screen) read() {
	p := make([]byte, 32<<10)
	for {
		n, err := s.ptmx.Read(p)
		now := time.Now()
		s.mu.Lock()
		if n > 0 && len(s.buf)+n <= maxScreen {
			s.buf = append(s.buf, p[:n]...)
			s.ends = append(s.ends, len(s.buf))
			s.times = append(s.times, now)
		}
		if err == nil && len(s.buf)+n > maxScreen {
			err = errors.New("output over the screen's bound")
		}
		s.rerr = err
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// mark is the screen's length now: later waits look from there.
func (s *screen) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buf)
}

// bytes is a copy of everything the screen has shown.
func (s *screen) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.buf)
}

// waitFor waits until want appears at or after from, and returns the offset
// just past it and when the read holding its last byte returned (bounded by
// timeout).
func (s *screen) waitFor(from int, want string, timeout time.Duration) (int, time.Time, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if i := bytes.Index(s.buf[from:], []byte(want)); i >= 0 {
			end := from + i + len(want)
			k := sort.SearchInts(s.ends, end)
			t := s.times[k]
			s.mu.Unlock()
			return end, t, nil
		}
		rerr, tail := s.rerr, s.tail(from)
		s.mu.Unlock()
		if rerr != nil {
			return 0, time.Time{}, fmt.Errorf("waiting for %q: screen closed (%v); it shows: %q", want, rerr, tail)
		}
		select {
		case <-s.wake:
		case <-deadline.C:
			return 0, time.Time{}, fmt.Errorf("waiting for %q: not on screen after %v; it shows: %q", want, timeout, tail)
		}
	}
}

// tail is the end of what the screen shows after from, for errors (mu held).
func (s *screen) tail(from int) string {
	b := s.buf[from:]
	if len(b) > 400 {
		b = b[len(b)-400:]
	}
	return string(b)
}

// typeKeys writes keys to the program's terminal and returns the moment
// just before the write (the key press; the write itself is counted).
func (s *screen) typeKeys(keys string) (time.Time, error) {
	t := time.Now()
	if _, err := s.ptmx.Write([]byte(keys)); err != nil {
		return time.Time{}, fmt.Errorf("type %q: %w", keys, err)
	}
	return t, nil
}

// stop sends Ctrl-D, waits up to grace for the program to leave, then
// kills it, and closes the pty.
func (s *screen) stop(grace time.Duration) error {
	_, _ = s.ptmx.Write([]byte{4})
	var err error
	select {
	case <-s.exited:
	case <-time.After(grace):
		err = fmt.Errorf("%s did not leave on Ctrl-D within %v: killed", s.cmd.Path, grace)
		_ = s.cmd.Process.Kill()
		select {
		case <-s.exited:
		case <-time.After(grace):
			err = fmt.Errorf("%s (pid %d) survived a kill", s.cmd.Path, s.cmd.Process.Pid)
		}
	}
	_ = s.ptmx.Close()
	return err
}
