package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/glm-mcp/glm-mcp/bridge"
)

// render returns the run's renderer, made once per process: text for a
// person, or one JSON event per line with --json.
func (a *app) render(cfg *askConfig) renderer {
	if a.rend == nil {
		if cfg.JSON {
			a.rend = &jsonRenderer{enc: json.NewEncoder(a.stdout)}
		} else {
			a.rend = &textRenderer{out: a.stdout, errw: a.stderr, tty: isTerminal(a.stderr) && a.getenv("NO_COLOR") == "", hideReasoning: cfg.HideReasoning, atLineStart: true}
		}
	}
	return a.rend
}

// approver asks on a terminal before a tool that is not read-only runs;
// without a terminal it refuses, unless --yes.
func (a *app) approver(cfg *askConfig) bridge.Approver {
	if cfg.Yes {
		return func(context.Context, *bridge.Tool, string) (bool, string) { return true, "" }
	}
	if !isTerminal(a.stdin) || !isTerminal(a.stderr) {
		return nil // the runner refuses, saying how to allow it
	}
	var mu sync.Mutex
	var once sync.Once
	lines := make(chan string, 8)
	readLines := func() { // started at the first prompt, then one reader for the run
		in := bufio.NewReader(a.stdin)
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- line
		}
	}
	return func(ctx context.Context, t *bridge.Tool, args string) (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			return false, "not run: the run was cancelled"
		}
		once.Do(func() { go readLines() })
		// The whole arguments: what would run must not hide behind a cut.
		fmt.Fprintf(a.stderr, "\nAllow %s (from %s; it is not read-only) with these arguments?\n%s\n[y/N] ", t.Name, t.Server.Name, args)
		select {
		case line := <-lines:
			if ans := strings.ToLower(strings.TrimSpace(line)); ans == "y" || ans == "yes" {
				return true, ""
			}
		case <-ctx.Done():
			fmt.Fprintln(a.stderr)
			return false, "not run: the run was cancelled while waiting for the user's approval"
		}
		return false, fmt.Sprintf("not run: the user declined %s", t.Name)
	}
}

// confirm asks a yes/no question on the terminal; without one the answer is no.
func (a *app) confirm(question string) bool {
	if !isTerminal(a.stdin) || !isTerminal(a.stderr) {
		return false
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}
