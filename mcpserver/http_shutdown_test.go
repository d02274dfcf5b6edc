package mcpserver_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// refusesConnections waits (boundedly) until nothing listens on addr.
func refusesConnections(addr string) bool {
	for range 200 {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestServeHTTP_GracefulShutdown: once its context is cancelled the server
// stops accepting, lets the call in flight finish with its result, and
// returns nil.
func TestServeHTTP_GracefulShutdown(t *testing.T) {
	for _, version := range []string{"", "2025-11-25"} {
		name := version
		if name == "" {
			name = "stateless"
		}
		t.Run(name, func(t *testing.T) {
			kit := newCallKit()
			live := startLive(t, newMCPServer(t, kit, nil), mcpserver.HTTPOptions{ShutdownTimeout: time.Minute})
			// A session of the older protocol holds a GET stream open: it
			// must not hold the shutdown.
			cs := connectSDK(t, live.url("/mcp"), "", version)
			result := make(chan error, 1)
			go func() {
				res, err := callSDK(t, cs, "wait")
				if err == nil && res.IsError {
					err = errors.New("error result")
				}
				result <- err
			}()
			<-kit.started
			stopped := make(chan error, 1)
			go func() { stopped <- live.stop(t) }()
			if !refusesConnections(live.addr) {
				t.Fatalf("still accepting connections after shutdown began")
			}
			select {
			case err := <-stopped:
				t.Fatalf("ServeHTTP returned (%v) with a call in flight", err)
			default:
			}
			close(kit.release)
			if err := <-result; err != nil {
				t.Errorf("the call in flight failed: %v", err)
			}
			if err := <-stopped; err != nil {
				t.Errorf("ServeHTTP after a clean drain: %v, want nil", err)
			}
		})
	}
}

// TestServeHTTP_ShutdownTimeout: a call that outlives the shutdown timeout
// is cut, and ServeHTTP says so with ErrShutdownTimeout.
func TestServeHTTP_ShutdownTimeout(t *testing.T) {
	kit := newCallKit()
	live := startLive(t, newMCPServer(t, kit, nil), mcpserver.HTTPOptions{ShutdownTimeout: 300 * time.Millisecond})
	cs := connectSDK(t, live.url("/mcp"), "", "")
	result := make(chan error, 1)
	go func() { _, err := callSDK(t, cs, "wait"); result <- err }()
	<-kit.started
	if err := live.stop(t); !errors.Is(err, mcpserver.ErrShutdownTimeout) {
		t.Errorf("ServeHTTP = %v, want ErrShutdownTimeout", err)
	}
	if err := <-result; err == nil {
		t.Errorf("the cut call reported success")
	}
}

func TestServeHTTP_TokenRequiredOffLoopback(t *testing.T) {
	tests := []struct {
		name  string
		addr  string
		token string
		want  error
	}{
		{"every interface without token", ":0", "", mcpserver.ErrTokenRequired},
		{"public address without token", "192.0.2.1:0", "", mcpserver.ErrTokenRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mcpserver.ServeHTTP(t.Context(), newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{Addr: tc.addr, Token: tc.token}, zeroLogger())
			if !errors.Is(err, tc.want) {
				t.Errorf("ServeHTTP(%s) = %v, want %v", tc.addr, err, tc.want)
			}
			if err != nil && (containsFlag(err.Error())) {
				t.Errorf("a library error names a CLI flag: %v", err)
			}
		})
	}
}

func TestServeHTTP_ListenError(t *testing.T) {
	err := mcpserver.ServeHTTP(t.Context(), newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{Addr: "127.0.0.1:99999"}, zeroLogger())
	if err == nil || errors.Is(err, mcpserver.ErrTokenRequired) {
		t.Errorf("ServeHTTP on port 99999 = %v, want a listen error", err)
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"localhost:0", true},
		{"[::1]:9000", true},
		{"LOCALHOST", true},
		{"[::ffff:127.0.0.1]:80", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"10.1.2.3:80", false},
		{"example.com:443", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			if got := mcpserver.IsLoopbackAddr(tc.addr); got != tc.want {
				t.Errorf("IsLoopbackAddr(%q) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}
