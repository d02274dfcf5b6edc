//go:build !unix

package files

import (
	"context"
	"io"
	"os"
)

// readAllNonBlocking reads f to its end, at most max+1 bytes.
func readAllNonBlocking(f *os.File, max int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(f, max+1))
}

// readAllNonBlockingCtx is readAllNonBlocking; ctx is checked before the read.
func readAllNonBlockingCtx(ctx context.Context, f *os.File, max int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return readAllNonBlocking(f, max)
}
