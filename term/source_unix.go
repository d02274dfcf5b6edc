//go:build unix

package term

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// errCancelled is what a read returns when its call's context is done.
var errCancelled = errors.New("read cancelled")

// source is stdin, read only inside calls. For a file (terminal, pipe,
// regular file) each read polls the descriptor together with a wake-up pipe,
// so a cancelled call stops waiting without a goroutine left blocked in
// read(2) that would take the next line. Any other reader is read directly.
type source struct {
	r    io.Reader
	f    *os.File
	wake [2]int

	mu     sync.RWMutex // reads and wake-ups hold it shared; close takes it whole
	closed atomic.Bool
}

func newSource(r io.Reader) *source {
	s := &source{r: r, wake: [2]int{-1, -1}}
	if f, ok := r.(*os.File); ok && f != nil {
		var p [2]int
		if err := unix.Pipe(p[:]); err == nil { // not Pipe2: macOS lacks it
			for _, fd := range p {
				unix.CloseOnExec(fd)
				unix.SetNonblock(fd, true)
			}
			s.f, s.wake = f, p
		}
	}
	return s
}

// wakeUp interrupts a poll in progress; the read then looks at its done channel.
func (s *source) wakeUp() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.wake[1] >= 0 {
		unix.Write(s.wake[1], []byte{1})
	}
}

// read reads what is available into p, waiting until there is something, or
// until done is closed (errCancelled) or the source is closed (io.EOF).
func (s *source) read(done <-chan struct{}, p []byte) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.f == nil {
		if s.closed.Load() {
			return 0, io.EOF
		}
		select {
		case <-done:
			return 0, errCancelled
		default:
		}
		return s.r.Read(p)
	}
	rc, err := s.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	for {
		if s.closed.Load() {
			return 0, io.EOF
		}
		select {
		case <-done:
			return 0, errCancelled
		default:
		}
		var n int
		var again bool
		if cerr := rc.Control(func(fd uintptr) { n, err, again = s.pollRead(int(fd), p) }); cerr != nil {
			return 0, io.EOF
		}
		if !again {
			return n, err
		}
	}
}

// pollRead waits for fd or the wake-up pipe, then reads fd once. again means
// nothing was read and the caller should look at done and try again.
func (s *source) pollRead(fd int, p []byte) (n int, err error, again bool) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(s.wake[0]), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, -1); err != nil {
		if err == unix.EINTR {
			return 0, nil, true
		}
		return 0, err, false
	}
	if fds[1].Revents != 0 {
		var b [64]byte
		for {
			if n, _ := unix.Read(s.wake[0], b[:]); n <= 0 {
				break
			}
		}
		return 0, nil, true
	}
	if fds[0].Revents&unix.POLLNVAL != 0 {
		return 0, io.EOF, false
	}
	n, err = unix.Read(fd, p)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return 0, nil, true
	case err == unix.EIO: // a terminal whose other side is gone
		return 0, io.EOF, false
	case err != nil:
		return 0, err, false
	case n == 0:
		return 0, io.EOF, false
	}
	return n, nil, false
}

// close makes reads return io.EOF, waiting for one in progress to notice.
func (s *source) close() {
	if s.closed.Swap(true) {
		return
	}
	s.wakeUp()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake[0] >= 0 {
		unix.Close(s.wake[0])
		unix.Close(s.wake[1])
		s.wake = [2]int{-1, -1}
	}
}
