package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/config"
	"github.com/glm-mcp/glm-mcp/term"
)

// render returns the run's renderer, made once per process: text for a
// person, or one JSON event per line with --json.
func (a *app) render(cfg *askConfig) renderer {
	if a.rend == nil {
		if cfg.JSON {
			a.rend = &jsonRenderer{enc: json.NewEncoder(a.stdout)}
		} else {
			r := &textRenderer{out: a.stdout, errw: a.stderr, tty: isTerminal(a.stderr) && a.getenv("NO_COLOR") == "", hideReasoning: cfg.HideReasoning, atLineStart: true}
			if isTerminal(a.stderr) {
				r.width = a.terminal().Width
			}
			a.rend = r
		}
	}
	return a.rend
}

// terminal is the process's one owner of the terminal: only it reads stdin
// for prompts and approvals.
func (a *app) terminal() *term.IO {
	if a.tio == nil {
		a.tio = term.New(a.stdin, a.stdout, a.stderr, a.getenv)
	}
	return a.tio
}

// approver decides on a tool that is not read-only: the configuration's
// [approval] deny and allow globs first, then --yes, then the user, asked
// through the terminal's one reader; without a terminal the call is refused.
func (a *app) approver(cfg *askConfig) bridge.Approver {
	rules := cfg.fileConfig.approval()
	var mu sync.Mutex // one question at a time, however many calls run
	return func(ctx context.Context, t *bridge.Tool, args string) (bool, string) {
		switch rules.Decide(t.Name) {
		case config.Deny:
			return false, fmt.Sprintf("not run: the configuration's [approval] deny list refuses %s", t.Name)
		case config.Allow:
			return true, ""
		}
		if cfg.Yes {
			return true, ""
		}
		tio := a.terminal()
		if !tio.Interactive() {
			return false, fmt.Sprintf("not run: %s is not read-only and there is no terminal to ask the user; "+
				"the user can allow it with --yes or an [approval] allow rule", t.Name)
		}
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			return false, "not run: the run was cancelled"
		}
		a.render(cfg).note("") // end any streamed line first
		// The whole arguments: what would run must not hide behind a cut.
		q := fmt.Sprintf("Allow %s (from %s; it is not read-only) with these arguments?\n%s\n", t.Name, t.Server.Name, args)
		ok, err := tio.Confirm(ctx, q)
		if errors.Is(err, term.ErrInterrupt) {
			// Ctrl-C at the question (the terminal is raw, so it came as a
			// key, not a signal): it means what Ctrl-C means elsewhere.
			a.interrupt()
			return false, "not run: the user pressed Ctrl-C at the approval question"
		}
		switch {
		case ctx.Err() != nil:
			return false, "not run: the run was cancelled while waiting for the user's approval"
		case err != nil:
			return false, fmt.Sprintf("not run: the user's approval could not be read: %v", err)
		case !ok:
			return false, fmt.Sprintf("not run: the user declined %s", t.Name)
		}
		return true, ""
	}
}

// confirm asks a yes/no question on the terminal; without one the answer is no.
func (a *app) confirm(ctx context.Context, question string) bool {
	tio := a.terminal()
	if !tio.Interactive() {
		return false
	}
	ok, err := tio.Confirm(ctx, question)
	return err == nil && ok
}
