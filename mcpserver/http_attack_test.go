package mcpserver_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/internal/memprobe"
	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// dial opens a raw TCP connection to addr, closed with the test.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readStatus reads an HTTP response status from c, waiting at most wait;
// 0 means the connection ended (or stayed silent) without one.
func readStatus(c net.Conn, wait time.Duration) int {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// closedByServer reports whether the server closed c within wait.
func closedByServer(c net.Conn, wait time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// TestServeHTTP_TricklingClients is issue 10's attack: 600 unauthenticated
// connections that send a partial body or never finish their headers are
// open, and an authorised request is still answered within a second.
func TestServeHTTP_TricklingClients(t *testing.T) {
	const token = "trickle-token"
	live := startLive(t, newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{Token: token})
	partialBody := "POST /mcp HTTP/1.1\r\nHost: " + live.addr + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
	partialHeaders := "POST /mcp HTTP/1.1\r\nHost: " + live.addr + "\r\nContent-Type: appl"
	var bodies, headers []net.Conn
	for i := range 600 {
		c := dial(t, live.addr)
		msg := partialHeaders
		if i%2 == 0 {
			msg = partialBody
			bodies = append(bodies, c)
		} else {
			headers = append(headers, c)
		}
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: time.Minute}
	start := time.Now()
	resp := post(t, client, live.url("/mcp"), map[string]string{"Authorization": "Bearer " + token})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("protocolVersion")) {
		t.Fatalf("authorised initialize: HTTP %d %s", resp.StatusCode, body)
	}
	if took > time.Second {
		t.Errorf("authorised request took %s with 600 trickling connections open, want under 1s", took)
	}
	// Refused on their headers: answered 401 and closed, their body never waited for.
	for i, c := range bodies {
		if code := readStatus(c, 30*time.Second); code != http.StatusUnauthorized {
			t.Fatalf("partial-body connection %d: status %d, want 401", i, code)
		}
		if !closedByServer(c, 30*time.Second) {
			t.Fatalf("partial-body connection %d still open after its 401", i)
		}
	}
	// The unfinished headers are still open (the header timeout is 10 s) but
	// did not stop the authorised client above; the server ends them itself.
	for i, c := range headers {
		if !closedByServer(c, 30*time.Second) {
			t.Fatalf("unfinished-headers connection %d still open after 30 s", i)
		}
	}
}

// TestServeHTTP_Timeouts: a client that never finishes its headers, or its
// body once accepted, is cut off at the configured timeout.
func TestServeHTTP_Timeouts(t *testing.T) {
	live := startLive(t, newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{
		ReadHeaderTimeout: 200 * time.Millisecond, BodyTimeout: 200 * time.Millisecond,
	})
	tests := []struct {
		name string
		send string
		want int // status
	}{
		{"unfinished headers", "POST /mcp HTTP/1.1\r\nHost: " + live.addr + "\r\nContent-Ty", http.StatusBadRequest},
		{"healthz with a trickled body", "GET /healthz HTTP/1.1\r\nHost: " + live.addr + "\r\nContent-Length: 1000\r\n\r\n{", http.StatusBadRequest},
		{"trickled body", "POST /mcp HTTP/1.1\r\nHost: " + live.addr + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", http.StatusRequestTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, live.addr)
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			// Generous: the server must act by itself long before the test gives up.
			if got := readStatus(c, 30*time.Second); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
			if !closedByServer(c, 30*time.Second) {
				t.Errorf("connection still open")
			}
		})
	}
}

// rss returns this process's resident set size in bytes.
func rss(t *testing.T) int64 { return memprobe.Status(t, "VmRSS") }

// peakRSS samples rss until stop is closed and returns the highest value.
func peakRSS(t *testing.T, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, rss(t))
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// TestServeHTTP_HugeBody is issue 10's attack: a 1 GB POST body, declared
// or chunked, is refused with 413 and never takes the process past 256 MB
// above idle (it took 2.8 GB before the cap).
func TestServeHTTP_HugeBody(t *testing.T) {
	live := startLive(t, newMCPServer(t, newCallKit(), nil), mcpserver.HTTPOptions{})
	tests := []struct {
		name    string
		chunked bool
	}{
		{"declared 1 GB", false},
		{"chunked 1 GB", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idle := rss(t)
			stop := make(chan struct{})
			peak := peakRSS(t, stop)
			c := dial(t, live.addr)
			status := make(chan int, 1)
			go func() { status <- readStatus(c, 2*time.Minute) }()
			sent := sendHugeBody(c, live.addr, tc.chunked, 1<<30)
			got := <-status
			close(stop)
			grew := <-peak - idle
			t.Logf("sent %d MB before the server stopped reading; RSS grew %d MB", sent>>20, grew>>20)
			if got != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", got)
			}
			if grew > 256<<20 {
				t.Errorf("RSS grew %d MB above idle, want under 256 MB", grew>>20)
			}
			if sent >= 1<<30 {
				t.Errorf("the server read the whole 1 GB body")
			}
		})
	}
}

// sendHugeBody writes a POST of size bytes of JSON whitespace to c until
// the server stops reading, and returns how much it wrote.
func sendHugeBody(c net.Conn, addr string, chunked bool, size int64) int64 {
	head := fmt.Sprintf("POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n", addr)
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", size)
	}
	if _, err := io.WriteString(c, head); err != nil {
		return 0
	}
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	frame := chunk
	if chunked {
		frame = append(fmt.Appendf(nil, "%x\r\n", len(chunk)), append(chunk, "\r\n"...)...)
	}
	var sent int64
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Minute))
	for sent < size {
		if _, err := c.Write(frame); err != nil {
			break
		}
		sent += int64(len(chunk))
	}
	return sent
}

// TestServeHTTP_ConcurrentRefusals: many refused requests at once all get
// their answer and none reaches a tool.
func TestServeHTTP_ConcurrentRefusals(t *testing.T) {
	kit := newCallKit()
	live := startLive(t, newMCPServer(t, kit, nil), mcpserver.HTTPOptions{Token: "x", MaxBody: 1 << 10})
	var wg sync.WaitGroup
	var bad atomic.Int32
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait","arguments":{}}}`
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", live.url("/mcp"), strings.NewReader(call+strings.Repeat(" ", 1024+i*100)))
			req.Header.Set("Content-Type", "application/json")
			if i%2 == 0 {
				req.Header.Set("Authorization", "Bearer x")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				bad.Add(1)
				return
			}
			resp.Body.Close()
			want := 401
			if i%2 == 0 {
				want = 413
			}
			if resp.StatusCode != want {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d requests were not refused (401 without the token, 413 with it)", bad.Load())
	}
	if len(kit.started) != 0 {
		t.Errorf("%d refused calls reached the tool", len(kit.started))
	}
}
