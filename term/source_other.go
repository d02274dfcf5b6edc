//go:build !unix

package term

import (
	"errors"
	"io"
	"sync/atomic"
)

var errCancelled = errors.New("read cancelled")

// source reads stdin directly where poll(2) is not available: a cancelled
// call is noticed before its read, not during it.
type source struct {
	r      io.Reader
	closed atomic.Bool
}

func newSource(r io.Reader) *source { return &source{r: r} }

func (s *source) wakeUp() {}

func (s *source) read(done <-chan struct{}, p []byte) (int, error) {
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

func (s *source) close() { s.closed.Store(true) }
