package mcpserver

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// idOf returns a message's id as the test wrote it (numbers as float64).
func idOf(m map[string]any) any { return m["id"] }

func errorCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(float64)
	return code
}

// TestServeStdio_LongLine sends a 100 MB line: it is answered with an
// error (with its id when the id comes first), the session goes on, and
// memory stays bounded (it took 1.3 GB).
func TestServeStdio_LongLine(t *testing.T) {
	tests := []struct {
		name   string
		head   string // before the 100 MB string
		tail   string // after it
		wantID any
	}{
		{"id first", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"`, `"}}}`, float64(7)},
		{"id after the big value", `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo","arguments":{"text":"`, `"}},"id":8}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startStdio(t, newFakeKit(t), StdioOptions{})
			p.initialize(`{}`)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)

			chunk := []byte(strings.Repeat("x", 1<<20))
			go func() {
				io.WriteString(p.in, tc.head)
				for range 100 {
					if _, err := p.in.Write(chunk); err != nil {
						return
					}
				}
				io.WriteString(p.in, tc.tail+"\n")
				io.WriteString(p.in, `{"jsonrpc":"2.0","id":"after","method":"ping"}`+"\n")
			}()
			m := p.next()
			if errorCode(m) != -32600 || idOf(m) != tc.wantID {
				t.Fatalf("answer %v, want error -32600 with id %v", m, tc.wantID)
			}
			if msg := m["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "message too long") || !strings.Contains(msg, fmt.Sprint(DefaultMaxLineBytes)) {
				t.Errorf("message %q does not say the line is too long and the limit", msg)
			}
			if m := p.next(); idOf(m) != "after" || m["result"] == nil {
				t.Fatalf("the session did not go on: %v", m)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			// Everything allocated while reading the line, not only what is
			// live: an upper bound of the peak above idle.
			got := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d MB while reading a 100 MB line", got>>20)
			if got > 256<<20 {
				t.Fatalf("reading a 100 MB line allocated %d MB, want under 256 MB", got>>20)
			}
		})
	}
}

// TestServeStdio_EOFWithBlockedCall: stdin closes while one call never
// returns (it ignores its context) and one returns only when cancelled; the
// answers that can be given are, and ServeStdio returns within 5 s.
func TestServeStdio_EOFWithBlockedCall(t *testing.T) {
	kit := newFakeKit(t)
	p := startStdio(t, kit, StdioOptions{})
	p.initialize(`{}`)
	p.call(1, "stuck", `{}`)
	p.call(2, "block", `{}`)
	p.call(3, "echo", `{"text":"hi"}`)
	if m := p.next(); idOf(m) != float64(3) {
		t.Fatalf("first answer %v, want the echo", m)
	}
	for i := 0; kit.started.Load() == 0; i++ {
		if i > 1000 {
			t.Fatal("block never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	p.in.Close()
	var answered []any
	for m := range p.msgs {
		answered = append(answered, idOf(m.m))
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("ServeStdio: %v", err)
		}
	case <-time.After(answerTimeout):
		t.Fatal("ServeStdio did not return")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("returned %v after stdin closed, want within 5 s", took)
	}
	if len(answered) != 1 || answered[0] != float64(2) {
		t.Fatalf("answers after EOF %v, want only the cancelled call 2", answered)
	}
	if kit.cancelled.Load() != 1 {
		t.Fatal("the running call was not cancelled")
	}
}

// TestServeStdio_DrainAnswersEscapedIDs: a request read just before EOF is
// answered before ServeStdio returns, whatever escapes its id is written with.
func TestServeStdio_DrainAnswersEscapedIDs(t *testing.T) {
	p := startStdio(t, newFakeKit(t), StdioOptions{})
	p.initialize(`{}`)
	p.send(`{"jsonrpc":"2.0","id":"\u0061","method":"tools/call","params":{"name":"slow","arguments":{}}}`)
	p.in.Close()
	m := p.next()
	if text, _ := resultText(t, m); idOf(m) != "a" || text != "slow done" {
		t.Fatalf("answer %v, want slow done for id a", m)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeStdio did not return within 5 s of EOF")
	}
}

// TestServeStdio_CancelFreesWorkers: eight calls that run until cancelled,
// cancelled after a second (ids written with escapes for half of them), free
// every worker: a following call is answered within 5 s, the cancelled ones
// are not answered, and every one that ran saw its context end.
func TestServeStdio_CancelFreesWorkers(t *testing.T) {
	kit := newFakeKit(t)
	p := startStdio(t, kit, StdioOptions{})
	p.initialize(`{}`)
	for i := 1; i <= 8; i++ {
		p.call(fmt.Sprintf("c%d", i), "block", `{}`)
	}
	for i := 0; kit.started.Load() < DefaultMaxConcurrentCalls; i++ {
		if i > 1000 {
			t.Fatalf("%d calls started, want %d", kit.started.Load(), DefaultMaxConcurrentCalls)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(time.Second)
	for i := 8; i >= 1; i-- {
		id := fmt.Sprintf(`"c%d"`, i)
		if i%2 == 0 {
			id = fmt.Sprintf(`"\u0063%d"`, i)
		}
		p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + id + `,"reason":"user"}}`)
	}
	start := time.Now()
	p.call(9, "echo", `{"text":"still here"}`)
	m := p.next()
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("answered after %v, want within 5 s", took)
	}
	if text, _ := resultText(t, m); idOf(m) != float64(9) || text != "still here" {
		t.Fatalf("first message after the cancellations %v, want the answer to 9", m)
	}
	p.in.Close()
	for m := range p.msgs {
		t.Errorf("a cancelled call was answered: %s", m.raw)
	}
	if s, c := kit.started.Load(), kit.cancelled.Load(); s != c {
		t.Fatalf("%d calls started, %d saw their cancellation", s, c)
	}
}

// TestServeStdio_CancelWhileQueued: a call cancelled while it waits for a
// worker never runs.
func TestServeStdio_CancelWhileQueued(t *testing.T) {
	kit := newFakeKit(t)
	p := startStdio(t, kit, StdioOptions{MaxConcurrentCalls: 1})
	p.initialize(`{}`)
	p.call(1, "block", `{}`)
	for i := 0; kit.started.Load() == 0; i++ {
		if i > 1000 {
			t.Fatal("block never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.call(2, "block", `{}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1.0}}`)
	p.call(3, "echo", `{"text":"x"}`)
	if m := p.next(); idOf(m) != float64(3) {
		t.Fatalf("got %v, want the answer to 3", m)
	}
	if got := kit.started.Load(); got != 1 {
		t.Fatalf("%d calls ran, want 1: the queued call ran after its cancellation", got)
	}
}

// TestServeStdio_Lines covers what a line may hold besides a good request.
func TestServeStdio_Lines(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		check func(t *testing.T, m peerMsg)
	}{
		{"not JSON", `hello`, func(t *testing.T, m peerMsg) {
			if errorCode(m.m) != -32700 || idOf(m.m) != nil {
				t.Fatalf("got %s, want a parse error with a null id", m.raw)
			}
		}},
		{"wrong jsonrpc version", `{"jsonrpc":"1.0","id":5,"method":"ping"}`, func(t *testing.T, m peerMsg) {
			if errorCode(m.m) != -32600 || idOf(m.m) != float64(5) {
				t.Fatalf("got %s, want invalid request for id 5", m.raw)
			}
		}},
		{"no HTML escaping", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"if a<b && c>d"}}}`, func(t *testing.T, m peerMsg) {
			if !strings.Contains(m.raw, `"text":"if a<b && c>d"`) {
				t.Fatalf("got %s, want the text unescaped", m.raw)
			}
		}},
		{"unknown method", `{"jsonrpc":"2.0","id":"u","method":"no/such"}`, func(t *testing.T, m peerMsg) {
			if errorCode(m.m) != -32601 || idOf(m.m) != "u" {
				t.Fatalf("got %s, want method not found for id u", m.raw)
			}
		}},
		{"answer to nothing we asked", `{"jsonrpc":"2.0","id":99,"result":{}}`, nil},
		{"blank", `   `, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startStdio(t, newFakeKit(t), StdioOptions{})
			p.initialize(`{}`)
			p.send(tc.line)
			p.send(`{"jsonrpc":"2.0","id":"after","method":"ping"}`)
			// Requests are served concurrently: answers come in any order.
			var got []peerMsg
			for range 2 {
				if got = append(got, p.nextRaw()); tc.check == nil {
					break
				}
			}
			sawPing := false
			for _, m := range got {
				if idOf(m.m) == "after" {
					sawPing = true
				} else if tc.check != nil {
					tc.check(t, m)
				} else {
					t.Fatalf("unexpected answer %s", m.raw)
				}
			}
			if !sawPing {
				t.Fatalf("got %v, want the ping's answer", got)
			}
		})
	}
}

// TestServeStdio_Notifications: a tool's notification reaches the client,
// unescaped, as does its answer (in either order: notifications travel
// through mcp-go's session channel).
func TestServeStdio_Notifications(t *testing.T) {
	p := startStdio(t, newFakeKit(t), StdioOptions{})
	p.initialize(`{}`)
	p.call(1, "notify", `{}`)
	var notified, answered bool
	for range 2 {
		m := p.nextRaw()
		switch {
		case m.m["method"] == "notifications/message" && strings.Contains(m.raw, `"data":"a<b"`):
			notified = true
		case idOf(m.m) == float64(1):
			text, _ := resultText(t, m.m)
			answered = text == "notified"
		default:
			t.Fatalf("unexpected %s", m.raw)
		}
	}
	if !notified || !answered {
		t.Fatalf("notified %v, answered %v", notified, answered)
	}
}

// TestServeStdio_ContextCancelled: cancelling ServeStdio's context with a
// call stuck in flight and stdin still open ends it.
func TestServeStdio_ContextCancelled(t *testing.T) {
	srv, err := New([]toolkits.Toolkit{newFakeKit(t)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeStdio(ctx, srv, inR, io.Discard, zerolog.Nop()) }()
	fmt.Fprintln(inW, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"stuck","arguments":{}}}`)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeStdio: %v", err)
		}
	case <-time.After(answerTimeout):
		t.Fatal("ServeStdio did not return after its context was cancelled")
	}
}
