package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
	"golang.org/x/sync/semaphore"
)

// Defaults of StdioOptions.
const (
	// DefaultMaxLineBytes caps one stdio message, as the HTTP body cap
	// caps one HTTP request.
	DefaultMaxLineBytes = 4 << 20
	// DefaultMaxConcurrentCalls is how many tools/call requests run at once;
	// later ones wait (and can be cancelled while they wait).
	DefaultMaxConcurrentCalls = 5
)

// StdioOptions configures ServeStdioWith. Zero fields take their defaults.
type StdioOptions struct {
	// MaxLineBytes caps one message line. A longer line is read to its end
	// without being kept, answered with a JSON-RPC error, and the session
	// goes on.
	MaxLineBytes int
	// MaxConcurrentCalls bounds the tool calls running at once.
	MaxConcurrentCalls int
	// DrainGrace is how long requests still running when stdin closes may
	// take to finish before they are cancelled; ServeStdioWith returns at
	// most about a second after that.
	DrainGrace time.Duration
	// Logger receives transport errors; zerolog.Nop() when zero.
	Logger zerolog.Logger
}

func (o StdioOptions) withDefaults() StdioOptions {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = DefaultMaxConcurrentCalls
	}
	if o.DrainGrace <= 0 {
		o.DrainGrace = DefaultDrainGrace
	}
	return o
}

// ServeStdio serves s on newline-delimited JSON-RPC over in and out, with
// the default StdioOptions, until in is closed or ctx is cancelled.
func ServeStdio(ctx context.Context, s *server.MCPServer, in io.Reader, out io.Writer, logger zerolog.Logger) error {
	return ServeStdioWith(ctx, s, in, out, StdioOptions{Logger: logger})
}

// ServeStdioWith serves s on newline-delimited JSON-RPC over in and out until
// in is closed or ctx is cancelled. Each request runs under its own context,
// cancelled by the client's notifications/cancelled. When in closes, the
// requests already read are answered if they finish within opts.DrainGrace;
// the rest are then cancelled, and it returns. EOF and cancellation return nil.
func ServeStdioWith(ctx context.Context, s *server.MCPServer, in io.Reader, out io.Writer, opts StdioOptions) error {
	opts = opts.withDefaults()
	c := &stdioConn{
		srv:     s,
		out:     out,
		log:     opts.Logger,
		maxLine: opts.MaxLineBytes,
		calls:   newInflight(),
		workers: make(chan struct{}, opts.MaxConcurrentCalls),
		// The lines of requests waiting or running are kept; this bounds
		// their total, so a flood of large requests pauses the reading
		// instead of filling memory.
		budget: semaphore.NewWeighted(int64(4 * opts.MaxLineBytes)),
	}
	c.sess = newStdioSession(c.send)
	if err := s.RegisterSession(ctx, c.sess); err != nil {
		return fmt.Errorf("register stdio session: %w", err)
	}
	defer s.UnregisterSession(context.WithoutCancel(ctx), c.sess.SessionID())

	base, cancelAll := context.WithCancel(s.WithContext(ctx, c.sess))
	defer cancelAll()
	go c.forwardNotifications(base)

	readDone := make(chan error, 1)
	go func() { readDone <- c.readLoop(base, newLineReader(in, opts.MaxLineBytes)) }()
	var readErr error
	select {
	case readErr = <-readDone:
	case <-ctx.Done():
	}
	if !c.calls.drain(ctx, opts.DrainGrace, cancelAll) {
		c.log.Warn().Msg("stdio: requests still running after cancellation were abandoned")
	}
	if ctx.Err() != nil || readErr == nil || errors.Is(readErr, io.EOF) {
		return nil
	}
	return fmt.Errorf("read stdin: %w", readErr)
}

// stdioConn is one stdio connection.
type stdioConn struct {
	srv     *server.MCPServer
	sess    *stdioSession
	log     zerolog.Logger
	maxLine int
	calls   *inflight
	workers chan struct{}
	budget  *semaphore.Weighted

	writeMu sync.Mutex
	out     io.Writer
}

// readLoop reads and dispatches lines until the input ends or ctx does.
func (c *stdioConn) readLoop(ctx context.Context, lr *lineReader) error {
	for {
		line, tooLong, err := lr.next()
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		c.dispatch(ctx, line, tooLong)
	}
}

// dispatch routes one line: requests run on their own goroutines,
// notifications and the client's answers are handled in order.
func (c *stdioConn) dispatch(ctx context.Context, line []byte, tooLong bool) {
	if tooLong {
		c.log.Warn().Int("limit", c.maxLine).Msg("stdio: message too long")
		c.sendError(prefixID(line), mcp.INVALID_REQUEST, fmt.Sprintf(
			"message too long: a stdio message may be at most %d bytes; send smaller arguments", c.maxLine))
		return
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	h, kind, err := parseHeader(line)
	if err != nil {
		c.sendError(nil, mcp.PARSE_ERROR, "parse error: "+err.Error())
		return
	}
	switch kind {
	case kindRequest:
		c.serveRequest(ctx, h, line)
	case kindResponse:
		if key, _ := idKey(h.ID); !c.sess.deliver(key, h) {
			c.log.Debug().RawJSON("id", h.ID).Msg("stdio: answer to no request of ours")
		}
	case kindNotification:
		if *h.Method == string(mcp.MethodNotificationCancelled) {
			c.cancel(line)
		}
		c.respond(c.handle(ctx, nil, line))
	default:
		// Neither request, notification nor answer: mcp-go says what is wrong.
		c.respond(c.handle(ctx, h.ID, line))
	}
}

// minRequestWeight is the least a request counts against the line budget,
// so that many tiny requests are bounded too.
const minRequestWeight = 4 << 10

// serveRequest starts a request on its own goroutine under its own context.
// Tool calls wait for a worker; a call cancelled while it waits never runs.
func (c *stdioConn) serveRequest(ctx context.Context, h lineHeader, line []byte) {
	weight := int64(max(len(line), minRequestWeight))
	if err := c.budget.Acquire(ctx, weight); err != nil {
		return
	}
	msg := bytes.Clone(line)
	key, _ := idKey(h.ID)
	callCtx, cl, done, ok := c.calls.start(ctx, key)
	if !ok { // shutting down: the request is not served
		c.budget.Release(weight)
		return
	}
	isTool := *h.Method == string(mcp.MethodToolsCall)
	go func() {
		defer c.budget.Release(weight)
		defer done()
		if isTool {
			if !c.acquireWorker(callCtx) {
				if !c.calls.cancelledByClient(cl) {
					c.sendError(h.ID, mcp.REQUEST_INTERRUPTED, "request cancelled before it started: the server is shutting down")
				}
				return
			}
			defer func() { <-c.workers }()
		}
		resp := c.handle(callCtx, h.ID, msg)
		if c.calls.cancelledByClient(cl) {
			return // the client gave up on it and expects no answer
		}
		c.respond(resp)
	}()
}

func (c *stdioConn) acquireWorker(ctx context.Context) bool {
	select {
	case c.workers <- struct{}{}:
		if ctx.Err() != nil {
			<-c.workers
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

// cancel cancels the request a notifications/cancelled line names.
func (c *stdioConn) cancel(line []byte) {
	var n struct {
		Params struct {
			RequestID json.RawMessage `json:"requestId"`
		} `json:"params"`
	}
	if json.Unmarshal(line, &n) != nil {
		return
	}
	if key, ok := idKey(n.Params.RequestID); ok && c.calls.cancelByClient(key) {
		c.log.Debug().RawJSON("id", n.Params.RequestID).Msg("stdio: request cancelled by the client")
	}
}

// handle runs one message through the server. A panic outside the tool
// middleware (which has its own recovery) becomes an internal error answer.
func (c *stdioConn) handle(ctx context.Context, id json.RawMessage, msg []byte) (resp mcp.JSONRPCMessage) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error().Str("panic", fmt.Sprint(r)).Msg("stdio: message handler panicked")
			if _, ok := idKey(id); ok {
				resp = newRPCError(id, mcp.INTERNAL_ERROR, "internal error (a bug in glm-mcp; see the server log)")
			}
		}
	}()
	return c.srv.HandleMessage(ctx, msg)
}

func (c *stdioConn) respond(resp mcp.JSONRPCMessage) {
	if resp == nil {
		return
	}
	if err := c.send(resp); err != nil {
		c.log.Error().Err(err).Msg("stdio: write response")
	}
}

func (c *stdioConn) sendError(id json.RawMessage, code int, message string) {
	c.respond(newRPCError(id, code, message))
}

// rpcError is a JSON-RPC error answer written by the transport itself.
type rpcError struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   rpcErrorBody    `json:"error"`
}

type rpcErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// newRPCError builds an error answer; a missing id is written as null.
func newRPCError(id json.RawMessage, code int, message string) rpcError {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	return rpcError{JSONRPC: mcp.JSONRPC_VERSION, ID: id, Error: rpcErrorBody{Code: code, Message: message}}
}

// send writes one message as a line. Writes are serialised.
func (c *stdioConn) send(v any) error {
	b, err := marshalMessage(v)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	b = append(b, '\n')
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if _, err := c.out.Write(b); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return nil
}

// forwardNotifications writes the server's notifications to the client.
func (c *stdioConn) forwardNotifications(ctx context.Context) {
	for {
		select {
		case n := <-c.sess.notifications:
			if err := c.send(n); err != nil {
				c.log.Error().Err(err).Msg("stdio: write notification")
			}
		case <-ctx.Done():
			return
		}
	}
}
