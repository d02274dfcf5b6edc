package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/internal/memprobe"
)

// peakRSS is a process's high-water resident memory, from /proc.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	n, err := memprobe.ProcStatus(pid, "VmHWM")
	if err != nil {
		t.Skipf("cannot read the process's memory (Linux only): %v", err)
	}
	return n
}

// TestServe_StdioHostileLineRSS: the real binary, sent a 100 MB line on
// stdin, answers it with a JSON-RPC error, goes on serving, and its peak RSS
// stays under 256 MB above its idle size; with a call in flight when stdin
// closes, it exits within 5 s.
func TestServe_StdioHostileLineRSS(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.txt": "alpha\n"})
	cmd := exec.Command(binPath, "serve", "--root", root, "--toolkits", "files", "--log-level", "error")
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewReader(outPipe)
	send := func(s string) {
		if _, err := io.WriteString(in, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	answer := func() string {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		return line
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	answer()
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	idle := peakRSS(t, cmd.Process.Pid)

	// 100 MB in one line, written in pieces.
	if _, err := io.WriteString(in, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"`); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for range 100 {
		if _, err := in.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	send(`"}}}`)
	if got := answer(); !strings.Contains(got, "message too long") || !strings.Contains(got, `"id":2`) {
		t.Errorf("the long line's answer: %.300s", got)
	}
	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"a.txt"}}}`)
	if got := answer(); !strings.Contains(got, "alpha") {
		t.Errorf("the session should go on: %.300s", got)
	}
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("idle %d MB, peak %d MB", idle>>20, peak>>20)
	if peak-idle > 256<<20 {
		t.Errorf("peak RSS %d MB above idle, over 256 MB", (peak-idle)>>20)
	}

	// stdin closes: the process ends within 5 s.
	in.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the process did not exit within 5 s of stdin closing")
	}
}

// TestServe_StdinClosedWithABlockedCall: a fetch_url call to a server that
// never answers is in flight when stdin closes: the real process still
// exits within 5 s (the call gets a grace period, then is cancelled).
func TestServe_StdinClosedWithABlockedCall(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	host := strings.TrimPrefix(hang.URL, "http://")
	cmd := exec.Command(binPath, "serve", "--toolkits", "http", "--allow-host", host, "--ignore-robots", "--log-level", "error")
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewReader(outPipe)
	io.WriteString(in, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n")
	if _, err := out.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	io.WriteString(in, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fetch_url","arguments":{"url":"`+hang.URL+`/slow"}}}`+"\n")
	time.Sleep(300 * time.Millisecond) // the call is running
	start := time.Now()
	in.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		t.Logf("exited %v after stdin closed", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Error("the process did not exit within 5 s of stdin closing with a call in flight")
	}
}
