//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

const (
	bracketedPasteOn  = "\x1b[?2004h"
	bracketedPasteOff = "\x1b[?2004l"
)

// TestChat_SuspendTurnsBracketedPasteOff: chat asks the terminal for
// bracketed paste only while its prompt waits. Ctrl-Z at the prompt suspends
// it, and the shell that gets the terminal back must not inherit the mode;
// on resume (fg) the prompt asks for it again, and leaving turns it off. A
// real job-control shell runs chat, as a user's does.
func TestChat_SuspendTurnsBracketedPasteOff(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: apt-get install -y bash")
	}
	fake := glmtest.New(t)
	env, _ := askEnv(t)
	// The line editor notices that it was resumed by a gap of over 100 ms in
	// its clock, hence the sleep before fg.
	script := "set -m; " + shellQuote(binPath) + " chat --base-url " + shellQuote(fake.URL) +
		" --no-store --toolkits files --root " + shellQuote(t.TempDir()) +
		`; echo "[stopped $?]"; sleep 1; fg; echo "[exit $?]"`
	cmd := exec.Command(bash, "-c", script)
	cmd.Env = append(env, "HOME="+t.TempDir(), "PATH="+os.Getenv("PATH"), "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 100})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var mu sync.Mutex
	var shown bytes.Buffer
	copied := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			shown.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				close(copied)
				return
			}
		}
	}()
	screen := func() string { mu.Lock(); defer mu.Unlock(); return shown.String() }
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for range 400 {
			if ok() {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("never: %s\n%q", what, screen())
	}
	lastMode := func() string { // the mode the terminal was last asked for
		s := screen()
		if strings.LastIndex(s, bracketedPasteOn) > strings.LastIndex(s, bracketedPasteOff) {
			return "on"
		}
		return "off"
	}
	waitUntil("the prompt asks for bracketed paste", func() bool { return strings.Contains(screen(), "› ") && lastMode() == "on" })

	ptmx.Write([]byte{0x1a}) // Ctrl-Z
	waitUntil("the shell sees chat stopped", func() bool { return strings.Contains(screen(), "[stopped 148]") })
	s := screen()
	stopped := s[:strings.Index(s, "[stopped 148]")]
	if strings.LastIndex(stopped, bracketedPasteOn) > strings.LastIndex(stopped, bracketedPasteOff) {
		t.Errorf("suspended with bracketed paste still on:\n%q", s)
	}

	// The script's fg resumes chat, whose prompt asks for the mode again.
	waitUntil("the resumed prompt asks for bracketed paste again", func() bool {
		s := screen()
		return strings.Count(s[strings.Index(s, "[stopped 148]"):], bracketedPasteOn) > 0
	})
	ptmx.Write([]byte{0x04}) // Ctrl-D leaves
	waitUntil("chat leaves", func() bool { return strings.Contains(screen(), "[exit 0]") })
	if lastMode() != "off" {
		t.Errorf("left with bracketed paste on:\n%q", screen())
	}
	cmd.Wait()
	<-copied
}
