package mcpserver

import (
	"strconv"
	"testing"
)

// answerRoots answers the server's roots/list request with roots.
func (p *stdioPeer) answerRoots(roots string) {
	p.t.Helper()
	m := p.nextRaw()
	if m.m["method"] != "roots/list" {
		p.t.Fatalf("got %s, want a roots/list request", m.raw)
	}
	id, _ := m.m["id"].(float64)
	p.send(`{"jsonrpc":"2.0","id":` + formatID(id) + `,"result":{"roots":` + roots + `}}`)
}

func formatID(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// TestClientRoots_Middleware: a client that declares roots is asked for them
// once, the tools see its file roots, and notifications/roots/list_changed
// makes the server ask again.
func TestClientRoots_Middleware(t *testing.T) {
	t.Run("roots narrow the tools", func(t *testing.T) {
		p := startStdio(t, newFakeKit(t), StdioOptions{})
		p.initialize(`{"roots":{"listChanged":true}}`)
		p.call(1, "roots", `{}`)
		p.answerRoots(`[{"uri":"file:///srv/project/../project","name":"p"},{"uri":"https://example.com/x"},{"uri":"file:///home/u"}]`)
		if text, _ := resultText(t, p.next()); text != "true [/srv/project /home/u]" {
			t.Fatalf("tool saw %q, want the two file roots, cleaned", text)
		}
		p.call(2, "roots", `{}`) // cached: no second request
		if m := p.next(); idOf(m) != float64(2) {
			t.Fatalf("got %v, want the answer to 2 without a new roots/list", m)
		}
		p.send(`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`)
		p.call(3, "roots", `{}`)
		p.answerRoots(`[{"uri":"file:///other"}]`)
		if text, _ := resultText(t, p.next()); text != "true [/other]" {
			t.Fatalf("after list_changed the tool saw %q, want [/other]", text)
		}
	})
	t.Run("an empty list leaves the roots as configured", func(t *testing.T) {
		p := startStdio(t, newFakeKit(t), StdioOptions{})
		p.initialize(`{"roots":{}}`)
		p.call(1, "roots", `{}`)
		p.answerRoots(`[]`)
		if text, _ := resultText(t, p.next()); text != "false []" {
			t.Fatalf("tool saw %q, want no client roots", text)
		}
	})
	t.Run("a client without roots is not asked", func(t *testing.T) {
		p := startStdio(t, newFakeKit(t), StdioOptions{})
		p.initialize(`{}`)
		p.call(1, "roots", `{}`)
		m := p.next()
		if text, _ := resultText(t, m); idOf(m) != float64(1) || text != "false []" {
			t.Fatalf("got %v, want the answer without a roots/list request", m)
		}
	})
	t.Run("a client that refuses", func(t *testing.T) {
		p := startStdio(t, newFakeKit(t), StdioOptions{})
		p.initialize(`{"roots":{}}`)
		p.call(1, "roots", `{}`)
		m := p.nextRaw()
		id, _ := m.m["id"].(float64)
		p.send(`{"jsonrpc":"2.0","id":` + formatID(id) + `,"error":{"code":-32601,"message":"no roots here"}}`)
		if ans := p.next(); idOf(ans) != float64(1) || (ans["error"] == nil && ans["result"] == nil) {
			t.Fatalf("got %v, want an answer to the call", ans)
		}
	})
}
