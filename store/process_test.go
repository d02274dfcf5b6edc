package store

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The multi-process tests run this test binary again as a child, selected
// by helperEnv, to write to a database the parent then inspects.
const (
	helperEnv   = "GLM_MCP_STORE_HELPER" // crash | append | nomem | bigmsg
	helperDB    = "GLM_MCP_STORE_DB"
	helperID    = "GLM_MCP_STORE_ID"
	helperName  = "GLM_MCP_STORE_WRITER"
	perWriter   = 500
	writerCount = 4
)

// TestHelperProcess is the child's body; run directly it does nothing.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("the child process of the multi-process tests")
	}
	var err error
	switch mode {
	case "crash":
		err = helperCrash(os.Getenv(helperDB))
	case "append":
		err = helperAppend(os.Getenv(helperDB), os.Getenv(helperID), os.Getenv(helperName))
	case "nomem":
		err = helperNomem(os.Getenv(helperDB))
	case "bigmsg":
		err = helperBigMessage(os.Getenv(helperDB))
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helperCrash creates a transcript and appends to it until it is killed,
// printing "ok N" after message N is committed.
func helperCrash(db string) error {
	ctx := context.Background()
	s, err := Open(ctx, db)
	if err != nil {
		return err
	}
	id, err := s.CreateTranscript(ctx, TranscriptMeta{Title: "doomed", Model: "glm-4.7"})
	if err != nil {
		return err
	}
	fmt.Printf("id %s\n", id)
	for i := 1; ; i++ {
		if err := s.AppendMessage(ctx, id, Message{Role: "tool", ToolCallID: "call", Content: fmt.Sprintf("message %d %s", i, strings.Repeat("x", 2000))}); err != nil {
			return err
		}
		if err := s.RecordToolExecution(ctx, id, ToolExecution{CallID: "call", Tool: "t", Result: strconv.Itoa(i)}); err != nil {
			return err
		}
		fmt.Printf("ok %d\n", i)
	}
}

// helperAppend says "ready", waits for a line on stdin, then appends
// perWriter messages to transcript id.
func helperAppend(db, id, name string) error {
	ctx := context.Background()
	s, err := Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	for i := 1; i <= perWriter; i++ {
		if err := s.AppendMessage(ctx, id, Message{Role: "user", Content: fmt.Sprintf("%s %d", name, i)}); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	return nil
}

// helperCmd prepares a child in the given mode.
func helperCmd(t *testing.T, mode string, env ...string) *exec.Cmd {
	t.Helper()
	if testing.Short() {
		t.Skip("multi-process test")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode}, env...)...)
	return cmd
}

func TestStore_crashedWriter(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "crash.db")
	cmd := helperCmd(t, "crash", helperDB+"="+db)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(out)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "id ") {
		t.Fatalf("child said %q; stderr: %s", lines.Text(), stderr.String())
	}
	id := strings.TrimPrefix(lines.Text(), "id ")
	acked := 0
	for acked < 200 && lines.Scan() {
		acked, _ = strconv.Atoi(strings.TrimPrefix(lines.Text(), "ok "))
	}

	// While the child lives, its transcript is running.
	reader, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if tr, err := reader.Get(ctx, id); err != nil || tr.Status != StatusRunning {
		t.Fatalf("live writer's transcript: %v, %v; want running", tr, err)
	}
	reader.Close()

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() { // what the child acknowledged before it died
		acked, _ = strconv.Atoi(strings.TrimPrefix(lines.Text(), "ok "))
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child exit: %v, want killed; stderr: %s", err, stderr.String())
	}

	s, err := Open(ctx, db)
	if err != nil {
		t.Fatalf("open after the crash: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	tr, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != StatusInterrupted {
		t.Errorf("status %q, want interrupted", tr.Status)
	}
	if len(tr.Messages) < acked {
		t.Fatalf("%d messages stored, but %d were acknowledged", len(tr.Messages), acked)
	}
	for i, m := range tr.Messages {
		if m.Seq != i+1 || !strings.HasPrefix(m.Content, fmt.Sprintf("message %d ", i+1)) {
			t.Fatalf("message %d = seq %d %.20q", i+1, m.Seq, m.Content)
		}
	}
	t.Logf("killed after %d acknowledged messages; %d stored", acked, len(tr.Messages))
	// The database takes writes again.
	if err := s.AppendMessage(ctx, id, Message{Role: "user", Content: "after"}); err != nil {
		t.Fatal(err)
	}
}

func TestStore_concurrentProcesses(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.CreateTranscript(ctx, TranscriptMeta{Title: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	type child struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stderr strings.Builder
	}
	children := make([]*child, writerCount)
	for k := range children {
		c := &child{cmd: helperCmd(t, "append", helperDB+"="+s.Path(), helperID+"="+id, fmt.Sprintf("%s=w%d", helperName, k))}
		c.cmd.Stderr = &c.stderr
		out, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer c.cmd.Process.Kill()
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			t.Fatalf("child %d said %q: %s", k, line, c.stderr.String())
		}
		children[k] = c
	}
	for _, c := range children { // start together
		io.WriteString(c.stdin, "go\n")
	}
	// Read while they write: readers must not see "locked" either.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readErr error
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if _, err := s.Get(ctx, id); err != nil {
				readErr = err
				return
			}
			if _, err := s.List(ctx, 10); err != nil {
				readErr = err
				return
			}
		}
	})
	for k, c := range children {
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("child %d: %v: %s", k, err, c.stderr.String())
		}
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Errorf("reading during the writes: %v", readErr)
	}

	tr, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Messages) != writerCount*perWriter {
		t.Fatalf("%d messages, want %d", len(tr.Messages), writerCount*perWriter)
	}
	next := map[string]int{}
	for i, m := range tr.Messages {
		name, n, _ := strings.Cut(m.Content, " ")
		num, _ := strconv.Atoi(n)
		if m.Seq != i+1 || num != next[name]+1 {
			t.Fatalf("message %d: seq %d %q after %s's %d", i, m.Seq, m.Content, name, next[name])
		}
		next[name] = num
	}
	if len(next) != writerCount {
		t.Errorf("writers seen: %v", next)
	}
}
