//go:build unix

package files

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// readAllNonBlocking reads f (opened O_NONBLOCK) to its end, at most max+1
// bytes, with raw read(2) calls that never wait: Go's poller would park on a
// pollable file (/proc/kmsg, a FIFO, a device) until data came, whatever the
// call's context said. A read that would block ends with errWouldBlock.
func readAllNonBlocking(f *os.File, max int64) ([]byte, error) {
	return readAllNonBlockingCtx(context.Background(), f, max)
}

// readAllNonBlockingCtx is readAllNonBlocking that also stops when ctx ends.
func readAllNonBlockingCtx(ctx context.Context, f *os.File, max int64) ([]byte, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var out []byte
	chunk := make([]byte, 64<<10)
	for int64(len(out)) <= max {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), chunk[:min(int64(len(chunk)), max+1-int64(len(out)))])
			return true // never wait for readiness
		}); err != nil {
			return out, err
		}
		switch {
		case errors.Is(rerr, syscall.EINTR):
			continue
		case errors.Is(rerr, syscall.EAGAIN):
			return out, errWouldBlock
		case rerr != nil:
			return out, rerr
		case n == 0:
			return out, nil
		}
		out = append(out, chunk[:n]...)
	}
	return out, nil
}
