package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// spread: n calls on the stateless protocol through the balancer reach every
// replica, and every call is counted exactly once across them.
func spread(ctx context.Context, args []string) error {
	var lb, replicas string
	var n, c int
	parse("spread", args, func(fs *flag.FlagSet) {
		fs.StringVar(&lb, "lb", "", "MCP endpoint of the balancer")
		fs.StringVar(&replicas, "replicas", "", "comma-separated base URLs of the replicas")
		fs.IntVar(&n, "n", 1000, "calls")
		fs.IntVar(&c, "c", 8, "concurrent callers")
	})
	bases := strings.Split(replicas, ",")
	before, err := callsPerReplica(ctx, bases, fastTool)
	if err != nil {
		return err
	}
	cs, err := connect(ctx, lb, "")
	if err != nil {
		return err
	}
	defer cs.Close()
	_, failed, took := load(ctx, cs, c, upTo(n))
	after, err := callsPerReplica(ctx, bases, fastTool)
	if err != nil {
		return err
	}
	d := deltas(before, after)
	fmt.Printf("spread: %d calls on protocol %s in %s (%.0f calls/s), %d failed; calls per replica (from /metrics): %v\n",
		n, cs.InitializeResult().ProtocolVersion, took.Round(time.Millisecond), float64(n)/took.Seconds(), failed, d)
	if failed > 0 {
		return fmt.Errorf("%d of %d: %w", failed, n, errFailedCalls)
	}
	var sum float64
	for i, x := range d {
		sum += x
		if x < float64(n)/10 {
			return fmt.Errorf("replica %d served %v of %d calls: not spread", i+1, x, n)
		}
	}
	if sum != float64(n) {
		return fmt.Errorf("replicas counted %v calls, the client made %d", sum, n)
	}
	return nil
}

// session: a 2025-11-25 session keeps working across n calls, all of them
// on the one replica that holds it.
func session(ctx context.Context, args []string) error {
	var lb, replicas string
	var n int
	parse("session", args, func(fs *flag.FlagSet) {
		fs.StringVar(&lb, "lb", "", "MCP endpoint of the balancer")
		fs.StringVar(&replicas, "replicas", "", "comma-separated base URLs of the replicas")
		fs.IntVar(&n, "n", 100, "calls")
	})
	bases := strings.Split(replicas, ",")
	before, err := callsPerReplica(ctx, bases, fastTool)
	if err != nil {
		return err
	}
	cs, err := connect(ctx, lb, "2025-11-25")
	if err != nil {
		return err
	}
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v != "2025-11-25" {
		return fmt.Errorf("negotiated %s, want 2025-11-25", v)
	}
	if cs.ID() == "" {
		return fmt.Errorf("no Mcp-Session-Id: not a session")
	}
	for i := range n {
		if _, err := call(ctx, cs, fastTool, map[string]any{}); err != nil {
			return fmt.Errorf("call %d of the session: %w", i+1, err)
		}
	}
	after, err := callsPerReplica(ctx, bases, fastTool)
	if err != nil {
		return err
	}
	d := deltas(before, after)
	fmt.Printf("session: %d calls in one 2025-11-25 session, all ok; calls per replica: %v\n", n, d)
	if !slices.Contains(d, float64(n)) || slices.Max(d) != float64(n) {
		return fmt.Errorf("the session's calls were not all on one replica: %v", d)
	}
	return nil
}

// drain: one replica gets SIGTERM while calls run through the balancer and
// one slow call runs on it; no call fails and the slow call finishes.
func drain(ctx context.Context, args []string) error {
	var lb, victim, slowAddr string
	var pid, n, c int
	var delay time.Duration
	parse("drain", args, func(fs *flag.FlagSet) {
		fs.StringVar(&lb, "lb", "", "MCP endpoint of the balancer")
		fs.StringVar(&victim, "victim", "", "base URL of the replica to stop")
		fs.IntVar(&pid, "victim-pid", 0, "process id of the replica to stop")
		fs.StringVar(&slowAddr, "slow", "", "host:port for the slow page server (the replicas must --allow-host it)")
		fs.IntVar(&n, "n", 2000, "at least this many fast calls")
		fs.IntVar(&c, "c", 6, "concurrent callers")
		fs.DurationVar(&delay, "delay", 3*time.Second, "how long the slow page takes")
	})
	slow, err := startSlowServer(slowAddr, delay)
	if err != nil {
		return err
	}
	defer slow.close()
	cs, err := connect(ctx, lb, "")
	if err != nil {
		return err
	}
	defer cs.Close()
	direct, err := connect(ctx, strings.TrimSuffix(victim, "/")+"/mcp", "")
	if err != nil {
		return err
	}
	defer direct.Close()

	var slowDone atomic.Bool
	slowErr := make(chan error, 1)
	go func() {
		res, err := call(ctx, direct, "fetch_url", map[string]any{"url": "http://" + slowAddr + "/slow"})
		if err == nil && !strings.Contains(text(res), "slow page") {
			err = fmt.Errorf("slow call answered %q", text(res))
		}
		slowDone.Store(true)
		slowErr <- err
	}()
	// Keep the load going until the slow call is done, so that calls arrive
	// all through the drain.
	type result struct {
		made, failed int64
		took         time.Duration
	}
	loaded := make(chan result, 1)
	go func() {
		made, failed, took := load(ctx, cs, c, func(i int64) bool { return i <= int64(n) || !slowDone.Load() && i < 200_000 })
		loaded <- result{made, failed, took}
	}()
	select {
	case <-slow.arrived:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("the slow call never reached the page server")
	}
	stopped := time.Now()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM %d: %w", pid, err)
	}
	if err := <-slowErr; err != nil {
		return fmt.Errorf("the call in flight on the stopped replica: %w", err)
	}
	finished := time.Since(stopped)
	r := <-loaded
	refused := false
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(victim, "http://"), time.Second); err != nil {
		refused = true
	} else {
		conn.Close()
	}
	fmt.Printf("drain: SIGTERM with a %s call in flight on the replica: it finished %s later; %d calls through the balancer in %s, %d failed; replica still listening: %v\n",
		delay, finished.Round(time.Millisecond), r.made, r.took.Round(time.Millisecond), r.failed, !refused)
	if r.failed > 0 {
		return fmt.Errorf("%d of %d during the drain: %w", r.failed, r.made, errFailedCalls)
	}
	if !refused {
		return fmt.Errorf("the stopped replica still accepts connections")
	}
	return nil
}

// bench: calls per second through one endpoint on the stateless protocol.
func bench(ctx context.Context, args []string) error {
	var url, label string
	var n, c int
	parse("bench", args, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "", "MCP endpoint")
		fs.StringVar(&label, "label", "", "name printed with the figure")
		fs.IntVar(&n, "n", 2000, "calls")
		fs.IntVar(&c, "c", 4, "concurrent callers")
	})
	cs, err := connect(ctx, url, "")
	if err != nil {
		return err
	}
	defer cs.Close()
	load(ctx, cs, c, upTo(n/10)) // warm the connections
	_, failed, took := load(ctx, cs, c, upTo(n))
	fmt.Printf("%-28s %6d calls  %2d callers  %8.0f calls/s  %6.2f ms/call  %d failed\n",
		label, n, c, float64(n)/took.Seconds(), took.Seconds()*1000*float64(c)/float64(n), failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d: %w", failed, n, errFailedCalls)
	}
	return nil
}

// slowServer serves a page that takes delay to answer.
type slowServer struct {
	srv     *http.Server
	arrived chan struct{} // closed when the first /slow request arrives
}

func startSlowServer(addr string, delay time.Duration) (*slowServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("slow page server: %w", err)
	}
	s := &slowServer{arrived: make(chan struct{})}
	var once atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", http.NotFound)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		if once.CompareAndSwap(false, true) {
			close(s.arrived)
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><p>slow page</p></body></html>")
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *slowServer) close() { s.srv.Close() }
