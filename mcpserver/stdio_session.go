package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// stdioSessions numbers the stdio sessions of this process, so that two
// ServeStdio calls on one server do not share a session (and its roots).
var stdioSessions atomic.Int64

// stdioSession is the one client of a stdio connection, as mcp-go sees it:
// it keeps the client's info and capabilities, carries server notifications
// out, and sends the server's own requests (roots/list) to the client.
type stdioSession struct {
	id            string
	notifications chan mcp.JSONRPCNotification
	send          func(v any) error
	initialized   atomic.Bool
	lastID        atomic.Int64

	mu       sync.Mutex
	info     mcp.Implementation
	caps     mcp.ClientCapabilities
	logLevel mcp.LoggingLevel
	waiting  map[string]chan lineHeader // server requests awaiting the client's answer
}

var (
	_ server.SessionWithClientInfo = (*stdioSession)(nil)
	_ server.SessionWithLogging    = (*stdioSession)(nil)
	_ server.SessionWithRoots      = (*stdioSession)(nil)
)

func newStdioSession(send func(v any) error) *stdioSession {
	return &stdioSession{
		id:            "stdio-" + strconv.FormatInt(stdioSessions.Add(1), 10),
		notifications: make(chan mcp.JSONRPCNotification, 100),
		send:          send,
		logLevel:      mcp.LoggingLevelError,
		waiting:       map[string]chan lineHeader{},
	}
}

func (s *stdioSession) SessionID() string { return s.id }

func (s *stdioSession) NotificationChannel() chan<- mcp.JSONRPCNotification {
	return s.notifications
}

func (s *stdioSession) Initialize()       { s.initialized.Store(true) }
func (s *stdioSession) Initialized() bool { return s.initialized.Load() }

func (s *stdioSession) GetClientInfo() mcp.Implementation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

func (s *stdioSession) SetClientInfo(info mcp.Implementation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.info = info
}

func (s *stdioSession) GetClientCapabilities() mcp.ClientCapabilities {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps
}

func (s *stdioSession) SetClientCapabilities(caps mcp.ClientCapabilities) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps = caps
}

func (s *stdioSession) SetLogLevel(level mcp.LoggingLevel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logLevel = level
}

func (s *stdioSession) GetLogLevel() mcp.LoggingLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logLevel
}

// errClientAnswer is wrapped by errors the client returned to our requests.
var errClientAnswer = errors.New("client answered with an error")

// ListRoots asks the client for its roots and waits for the answer.
func (s *stdioSession) ListRoots(ctx context.Context, _ mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	var res mcp.ListRootsResult
	if err := s.request(ctx, string(mcp.MethodListRoots), &res); err != nil {
		return nil, fmt.Errorf("list roots: %w", err)
	}
	return &res, nil
}

// request sends one server-to-client request and decodes its result into out.
func (s *stdioSession) request(ctx context.Context, method string, out any) error {
	id := s.lastID.Add(1)
	key, _ := idKey(json.RawMessage(strconv.FormatInt(id, 10)))
	answer := make(chan lineHeader, 1)
	s.mu.Lock()
	s.waiting[key] = answer
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, key)
		s.mu.Unlock()
	}()
	msg := struct {
		JSONRPC string `json:"jsonrpc"`
		ID      int64  `json:"id"`
		Method  string `json:"method"`
	}{mcp.JSONRPC_VERSION, id, method}
	if err := s.send(msg); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case h := <-answer:
		if h.Error != nil {
			var e struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(h.Error, &e)
			return fmt.Errorf("%w: %s", errClientAnswer, e.Message)
		}
		return json.Unmarshal(h.Result, out)
	}
}

// deliver hands a client's answer to the request waiting for it. It reports
// false when no request of ours has that id.
func (s *stdioSession) deliver(key string, h lineHeader) bool {
	s.mu.Lock()
	answer, ok := s.waiting[key]
	delete(s.waiting, key)
	s.mu.Unlock()
	if ok {
		answer <- h
	}
	return ok
}
