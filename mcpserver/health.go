package mcpserver

import (
	"context"
	"net/http"
	"sync"
)

// HealthPath answers 200 while the server accepts work and 503 while it drains.
const HealthPath = "/healthz"

// MetricsPath serves Prometheus metrics.
const MetricsPath = "/metrics"

// drainState is a one-way switch: started once, never reset.
type drainState struct {
	once sync.Once
	done chan struct{}
}

func newDrainState() *drainState { return &drainState{done: make(chan struct{})} }

func (d *drainState) start() { d.once.Do(func() { close(d.done) }) }

func (d *drainState) draining() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// until returns a context cancelled when ctx is or when d starts: the
// long-lived GET streams of sessions end with it.
func (d *drainState) until(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-d.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// serveHealth answers a load balancer's health check. It needs no token: it
// says only whether this replica takes work.
func (d *drainState) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if d.draining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("draining\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
