package mcpserver

import (
	"context"
	"sync"
	"time"
)

// Defaults of StdioOptions.
const (
	// DefaultDrainGrace is how long requests in flight may still finish after
	// stdin closes, before they are cancelled.
	DefaultDrainGrace = 2 * time.Second
	// drainAfterCancel is how long cancelled requests get to write their
	// answers before ServeStdio returns regardless. A handler blocked in a
	// system call it cannot leave is abandoned: the process is about to end.
	drainAfterCancel = time.Second
)

// inflight tracks the requests of one stdio connection: each has its own
// context, cancelled by notifications/cancelled, and the connection waits
// for them (for a bounded time) before it ends.
type inflight struct {
	wg sync.WaitGroup

	mu     sync.Mutex
	calls  map[string]*call
	closed bool // drain has begun: no request starts any more
}

// call is one request in flight.
type call struct {
	cancel context.CancelFunc
	// byClient is set when the client cancelled the request: it is then not
	// answered, as the MCP spec asks.
	byClient bool
}

func newInflight() *inflight {
	return &inflight{calls: map[string]*call{}}
}

// start registers a request by its id key and returns its context and the
// function to call when it is done; ok is false once draining has begun
// (the request is then not served). A second request with an id still in
// flight replaces the first in the table (the client broke the protocol;
// both are still served and waited for).
func (f *inflight) start(ctx context.Context, key string) (_ context.Context, _ *call, _ func(), ok bool) {
	ctx, cancel := context.WithCancel(ctx)
	c := &call{cancel: cancel}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		cancel()
		return ctx, c, func() {}, false
	}
	f.calls[key] = c
	// Added under the lock that drain takes to close: no Add can then race
	// with drain's Wait.
	f.wg.Add(1)
	f.mu.Unlock()
	return ctx, c, func() {
		f.mu.Lock()
		if f.calls[key] == c {
			delete(f.calls, key)
		}
		f.mu.Unlock()
		cancel()
		f.wg.Done()
	}, true
}

// cancelByClient cancels the request with the given id key, if it is still
// in flight (running or waiting for a worker).
func (f *inflight) cancelByClient(key string) bool {
	f.mu.Lock()
	c, ok := f.calls[key]
	if ok {
		c.byClient = true
	}
	f.mu.Unlock()
	if ok {
		c.cancel()
	}
	return ok
}

// cancelledByClient reports whether the client cancelled c.
func (f *inflight) cancelledByClient(c *call) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.byClient
}

// drain waits for the requests in flight: up to grace for them to finish,
// then cancels them all (cancelAll) and waits up to drainAfterCancel for
// their answers. It returns early when ctx ends. It reports whether every
// request finished.
func (f *inflight) drain(ctx context.Context, grace time.Duration, cancelAll context.CancelFunc) bool {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	graceTimer := time.NewTimer(grace)
	defer graceTimer.Stop()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	case <-graceTimer.C:
	}
	cancelAll()
	after := time.NewTimer(drainAfterCancel)
	defer after.Stop()
	select {
	case <-done:
		return true
	case <-after.C:
		return false
	}
}
