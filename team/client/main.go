// Command client drives glm-mcp replicas behind a load balancer with the
// official MCP Go SDK, for team/team.sh and bench/team.sh. Each mode checks
// one promise of PRODUCT.md's "Serving a team", prints what it saw and exits
// non-zero when the promise is broken.
//
//	client ports N
//	client wait BASE...            (until each /healthz answers 200)
//	client wait-lb STATS_URL N     (until HAProxy has N servers UP)
//	client spread  -lb URL -replicas U1,U2,U3 [-n 1000] [-c 8]
//	client session -lb URL -replicas U1,U2,U3 [-n 100]
//	client drain   -lb URL -victim URL -victim-pid PID -slow ADDR [-n 2000] [-c 6]
//	client bench   -url URL [-n 2000] [-c 4]
//
// URLs of replicas are their bases (http://127.0.0.1:PORT); -lb and -url
// name an MCP endpoint (…/mcp). The token, when one is set, comes from
// $GLM_MCP_TOKEN.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// fastTool is the call the load is made of: cheap, read-only, always ok.
const fastTool = "list_directory"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: client ports|wait|wait-lb|spread|session|drain|bench [flags]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var err error
	switch os.Args[1] {
	case "ports":
		err = ports(os.Args[2:])
	case "spread":
		err = spread(ctx, os.Args[2:])
	case "session":
		err = session(ctx, os.Args[2:])
	case "drain":
		err = drain(ctx, os.Args[2:])
	case "bench":
		err = bench(ctx, os.Args[2:])
	case "wait":
		err = waitHealthy(ctx, os.Args[2:])
	case "wait-lb":
		want := 0
		if len(os.Args) > 3 {
			fmt.Sscan(os.Args[3], &want)
		}
		err = waitBalancer(ctx, os.Args[2], want)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// ports prints N free loopback ports.
func ports(args []string) error {
	n := 1
	if len(args) > 0 {
		fmt.Sscan(args[0], &n)
	}
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		out = append(out, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
	}
	for _, ln := range lns {
		ln.Close()
	}
	fmt.Println(strings.Join(out, " "))
	return nil
}

// tokenTransport adds the bearer token, when there is one, to every request.
type tokenTransport struct {
	token string
	base  http.RoundTripper
}

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.base.RoundTrip(r)
}

// httpClient is shared by every session: keep-alive connections to the
// balancer, as a real client would hold.
var httpClient = &http.Client{Transport: tokenTransport{
	token: os.Getenv("GLM_MCP_TOKEN"),
	base:  &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute},
}}

// connect opens an SDK client session; version "" is the stateless
// 2026-07-28 protocol (server/discover, no session), "2025-11-25" a session.
func connect(ctx context.Context, url, version string) (*sdk.ClientSession, error) {
	client := sdk.NewClient(&sdk.Implementation{Name: "glm-mcp-team", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: httpClient}, &sdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", url, err)
	}
	if version == "" && cs.InitializeResult().ProtocolVersion != "2026-07-28" {
		cs.Close()
		return nil, fmt.Errorf("wanted the stateless protocol, got %s", cs.InitializeResult().ProtocolVersion)
	}
	return cs, nil
}

// call makes one tool call and turns an error result into an error.
func call(ctx context.Context, cs *sdk.ClientSession, tool string, args map[string]any) (*sdk.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return nil, err
	}
	if res.IsError {
		return res, fmt.Errorf("%s: error result: %s", tool, text(res))
	}
	return res, nil
}

func text(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*sdk.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// load makes fast calls through cs with c workers while more(i) holds for
// the i-th call (counting from 1); it returns how many calls it made, how
// many failed (the first few errors are printed) and how long it took.
func load(ctx context.Context, cs *sdk.ClientSession, c int, more func(i int64) bool) (made, failed int64, took time.Duration) {
	var next, fails atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if !more(i) || ctx.Err() != nil {
					return
				}
				if _, err := call(ctx, cs, fastTool, map[string]any{}); err != nil {
					if fails.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "call %d failed: %v\n", i, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	made = next.Load() - int64(c)
	return made, fails.Load(), time.Since(start)
}

// upTo is a load predicate: exactly n calls.
func upTo(n int) func(int64) bool { return func(i int64) bool { return i <= int64(n) } }

// parse reads a mode's flags; it exits on a bad flag, as flag does.
func parse(name string, args []string, define func(fs *flag.FlagSet)) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	define(fs)
	_ = fs.Parse(args)
}

// errFailedCalls marks a run in which some calls failed.
var errFailedCalls = errors.New("calls failed")
