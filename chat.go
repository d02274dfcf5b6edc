package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
	"github.com/glm-mcp/glm-mcp/term"
)

const chatSynopsis = `chat [ask's flags] [--continue ID | -c]

An interactive session with the same loop, tools, flags and store as ask: one
transcript per session, every turn recorded as it happens. Type /help for the
slash commands. Ctrl-C stops the turn (not the session); Ctrl-C at an empty
prompt, or Ctrl-D, leaves. Without a terminal, each line of stdin is one turn.`

// parseChat reads chat's flags: ask's, without a prompt.
func (a *app) parseChat(args []string) (*askConfig, error) {
	cfg := &askConfig{}
	rest, _, err := a.parseLoop(cfg, "chat", chatSynopsis, args, cfg.registerConversation)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usageError("chat takes no prompt on the command line (type it at the prompt, or use ask)")
	}
	return cfg, nil
}

// chatSession is one `glm-mcp chat`: the model, the tools, the store, the
// conversation of the moment and the terminal.
type chatSession struct {
	app  *app
	cfg  *askConfig
	m    *modelSetup
	st   *store.Store
	conv *conversation.Conversation
	io   *term.IO
	rend renderer
}

func (a *app) chat(ctx context.Context, args []string) error {
	cfg, err := a.parseChat(args)
	if err != nil {
		return err
	}
	m, st, conv, err := a.openSession(ctx, cfg, "chat", store.TranscriptMeta{})
	if err != nil {
		return err
	}
	defer m.Close()
	defer closeStore(st)
	s := &chatSession{app: a, cfg: cfg, m: m, st: st, conv: conv, io: a.terminal(), rend: a.render(cfg)}
	s.io.SetHistory(a.historyPath(), 1000)
	defer s.io.Close()
	if s.io.Interactive() {
		fmt.Fprintln(a.stderr, fitParts(s.io.Width(), "glm-mcp chat",
			fmt.Sprintf("%s via %s", m.client.Model(), m.client.Profile().Name),
			fmt.Sprintf("%d tools", len(m.sess.Catalog.Names())), "/help for commands", "Ctrl-D leaves"))
	}
	loopErr := s.loop(ctx)
	kept, err := s.close(ctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "glm-mcp chat: saving the transcript's status: %v\n", err)
	}
	if kept && s.io.Interactive() {
		fmt.Fprintf(a.stderr, "transcript %s · %s\n", s.conv.ID(), usageLine(s.conv.Usage(), s.m.tmpl.Model))
	}
	return loopErr
}

// close ends the conversation of the moment: it records its status, or
// removes its transcript when no prompt was put (leaving at once, or /clear
// twice, keeps nothing). It reports whether a transcript was kept.
func (s *chatSession) close(ctx context.Context) (bool, error) {
	if s.conv.ID() == "" {
		return false, nil
	}
	if s.conv.Turns() == 0 {
		_, err := s.st.Delete(context.WithoutCancel(ctx), s.conv.ID())
		return false, err
	}
	return true, s.conv.Finish(ctx, nil)
}

// maxChatTurns bounds a session (a script of turns included).
const maxChatTurns = 100000

// loop reads prompts until the user leaves. Without a terminal, a failed
// turn ends the session with its exit code, as a script would want.
func (s *chatSession) loop(ctx context.Context) error {
	for range maxChatTurns {
		line, err := s.io.ReadLine(ctx, "› ")
		switch {
		case errors.Is(err, term.ErrInterrupt) && strings.TrimSpace(line) == "", errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, term.ErrInterrupt):
			continue
		case ctx.Err() != nil: // SIGTERM (or a signal without a terminal)
			return &exitCodeError{code: exitInterrupted, err: errShown}
		case err != nil:
			return err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "/") {
			quit, err := s.command(ctx, line)
			if err != nil {
				s.rend.note("glm-mcp chat: " + err.Error())
			}
			if quit {
				return nil
			}
			continue
		}
		if err := s.turn(ctx, line); err != nil {
			if !s.io.Interactive() {
				return &exitCodeError{code: exitCode(err), err: errShown}
			}
		}
		if ctx.Err() != nil {
			return &exitCodeError{code: exitInterrupted, err: errShown}
		}
	}
	return nil
}

// turn puts one prompt to the model. Ctrl-C (SIGINT) cancels this turn
// only; SIGTERM cancels it and then the session.
func (s *chatSession) turn(ctx context.Context, prompt string) error {
	turnCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := s.app.onInterrupt(func(sig os.Signal) {
		cancel()
		if sig == syscall.SIGTERM {
			s.app.terminate()
		}
	})
	defer stop()
	start := time.Now()
	before := s.conv.Usage()
	r := s.m.runner(s.cfg, s.app.approver(s.cfg), s.rend.event)
	_, err := s.conv.Turn(turnCtx, r, prompt)
	status := conversation.Status(err)
	if errors.Is(err, context.Canceled) {
		if merr := s.conv.MarkCancelled(ctx); merr != nil {
			s.rend.note("glm-mcp chat: " + merr.Error())
		}
		if ctx.Err() == nil {
			s.rend.note("⏹ turn cancelled; the conversation goes on")
		}
	} else if err != nil {
		s.rend.note("glm-mcp chat: " + conversation.ErrorText(err))
		if s.conv.PromptLeftOut() {
			s.rend.note("the prompt was left out; the conversation goes on without it")
		}
	}
	s.rend.note(s.footer(status, usageMinus(s.conv.Usage(), before), time.Since(start)))
	return err
}

// footer is the short line after each turn: status, tokens, how full the
// model's window is, cost and time.
func (s *chatSession) footer(status string, u glm.Usage, d time.Duration) string {
	parts := []string{status, fmt.Sprintf("%s in, %s out", approxTokens(u.PromptTokens), approxTokens(u.CompletionTokens))}
	if w := contextLine(s.conv.LastPromptTokens(), s.m.tmpl.Model, s.cfg); w != "" {
		parts = append(parts, w)
	}
	if c := costLine(u, s.m.tmpl.Model); c != "" {
		parts = append(parts, c)
	}
	parts = append(parts, fmtDur(d))
	if !s.io.IsStderrTTY() {
		return strings.Join(parts, " · ") // one line for a script to read
	}
	return fitLines(s.io.Width(), parts...)
}

// historyPath is where chat keeps its input history:
// $XDG_STATE_HOME/glm-mcp/chat_history (~/.local/state/...).
func (a *app) historyPath() string {
	dir := a.getenv("XDG_STATE_HOME")
	if dir == "" {
		home := a.getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "glm-mcp", "chat_history")
}
