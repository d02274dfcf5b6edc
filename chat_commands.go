package main

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
)

// chatCommand is one slash command of chat.
type chatCommand struct {
	name, args, help string
	run              func(s *chatSession, ctx context.Context, arg string) (quit bool, err error)
}

// chatCommands lists the slash commands in the order /help shows them.
var chatCommands []chatCommand

func init() { // set here, since /help refers to the list itself
	chatCommands = []chatCommand{
		{"/help", "", "this list", (*chatSession).cmdHelp},
		{"/tools", "", "the tools on offer", (*chatSession).cmdTools},
		{"/model", "NAME", "use another model from the next turn", (*chatSession).cmdModel},
		{"/thinking", "enabled|disabled", "turn the model's thinking on or off from the next turn", (*chatSession).cmdThinking},
		{"/system", "TEXT", "set the system prompt", (*chatSession).cmdSystem},
		{"/clear", "", "start a new conversation (a new transcript)", (*chatSession).cmdClear},
		{"/resume", "ID", "continue a stored conversation (a prefix, or last)", (*chatSession).cmdResume},
		{"/usage", "", "tokens, cost and how full the model's window is", (*chatSession).cmdUsage},
		{"/compact", "", "replace old tool results with short notes to free the window", (*chatSession).cmdCompact},
		{"/export", "json|markdown|openai", "print this conversation's transcript", (*chatSession).cmdExport},
		{"/exit", "", "leave (Ctrl-D does too)", func(*chatSession, context.Context, string) (bool, error) { return true, nil }},
	}
}

// command runs a slash command line.
func (s *chatSession) command(ctx context.Context, line string) (quit bool, err error) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	for _, c := range chatCommands {
		if c.name == name || name == "/quit" && c.name == "/exit" {
			return c.run(s, ctx, arg)
		}
	}
	return false, fmt.Errorf("unknown command %s (/help lists them)", name)
}

func (s *chatSession) say(format string, args ...any) {
	fmt.Fprintf(s.app.stdout, format+"\n", args...)
}

func (s *chatSession) cmdHelp(context.Context, string) (bool, error) {
	width := s.app.terminal().Width()
	item := func(key, text string) {
		// The text wraps under itself, within the terminal's width.
		const indent = 31
		for i, line := range wrap(text, max(width-indent-1, 20)) {
			if i > 0 {
				key = ""
			}
			s.say("  %-28s %s", key, line)
		}
	}
	for _, c := range chatCommands {
		item(strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	item("Ctrl-C", "stop the turn; at an empty prompt, leave")
	item("a line ending in \\", "continue the prompt on the next line")
	item("a paste of several lines", "one prompt, sent with Enter")
	return false, nil
}

// fitParts joins parts with " · ", leaving out the last ones that would
// take the line past width (the first part always stays).
func fitParts(width int, parts ...string) string {
	line := parts[0]
	for _, p := range parts[1:] {
		next := line + " · " + p
		if utf8.RuneCountInString(next) > width {
			break
		}
		line = next
	}
	return line
}

// fitLines joins parts with " · " into as few lines as keep within width,
// breaking only between parts.
func fitLines(width int, parts ...string) string {
	var b strings.Builder
	n := 0
	for i, p := range parts {
		w := utf8.RuneCountInString(p)
		switch {
		case i == 0:
		case n+3+w > width:
			b.WriteString("\n")
			n = 0
		default:
			b.WriteString(" · ")
			n += 3
		}
		b.WriteString(p)
		n += w
	}
	return b.String()
}

func (s *chatSession) cmdTools(context.Context, string) (bool, error) {
	width := s.app.terminal().Width()
	for _, ft := range s.m.sess.Catalog.FunctionTools() {
		name := ft.Function.Name
		room := max(width-2-max(len(name), 24)-2, 20) // one line per tool, cut to the terminal
		s.say("  %-24s %s", name, shorten(firstLineOf(ft.Function.Description), room))
	}
	return false, nil
}

func (s *chatSession) cmdModel(_ context.Context, arg string) (bool, error) {
	if arg == "" {
		s.say("model: %s", s.m.tmpl.Model)
		return false, nil
	}
	next := s.m.tmpl
	next.Model = arg
	check := next
	check.Messages = []glm.Message{{Role: glm.RoleUser, Content: "x"}}
	if err := check.Validate(); err != nil {
		return false, err
	}
	s.m.tmpl = next
	s.cfg.Model = arg
	s.say("model: %s from the next turn", arg)
	return false, nil
}

func (s *chatSession) cmdThinking(_ context.Context, arg string) (bool, error) {
	switch arg {
	case "enabled", "on":
		s.m.tmpl.Thinking = &glm.Thinking{Type: "enabled"}
	case "disabled", "off":
		s.m.tmpl.Thinking = &glm.Thinking{Type: "disabled"}
	default:
		return false, fmt.Errorf("/thinking takes enabled or disabled")
	}
	s.say("thinking %s from the next turn", s.m.tmpl.Thinking.Type)
	return false, nil
}

func (s *chatSession) cmdSystem(ctx context.Context, arg string) (bool, error) {
	if arg == "" {
		return false, fmt.Errorf("/system takes the prompt's text")
	}
	s.cfg.System = arg
	return false, s.conv.SetSystem(ctx, arg)
}

// restart finishes the conversation of the moment and starts another.
func (s *chatSession) restart(ctx context.Context, cont string) error {
	if _, err := s.close(ctx); err != nil {
		return err
	}
	cfg := *s.cfg
	cfg.Continue = cont
	conv, err := s.app.startConversation(ctx, &cfg, s.m, s.st, store.TranscriptMeta{})
	if err != nil {
		return err
	}
	s.conv = conv
	return nil
}

func (s *chatSession) cmdClear(ctx context.Context, _ string) (bool, error) {
	if err := s.restart(ctx, ""); err != nil {
		return false, err
	}
	s.say("a new conversation")
	return false, nil
}

func (s *chatSession) cmdResume(ctx context.Context, arg string) (bool, error) {
	if s.st == nil {
		return false, fmt.Errorf("/resume needs the store (chat was started with --no-store)")
	}
	if arg == "" {
		arg = "last"
	}
	if err := s.restart(ctx, arg); err != nil {
		return false, err
	}
	s.say("continuing: %d messages", len(s.conv.Messages()))
	return false, nil
}

func (s *chatSession) cmdUsage(context.Context, string) (bool, error) {
	u := s.conv.Usage()
	s.say("%s · %s · %s", count(s.conv.Turns(), "turn"), count(s.conv.Steps(), "step"), usageLine(u, s.m.tmpl.Model))
	if w := contextLine(s.conv.LastPromptTokens(), s.m.tmpl.Model, s.cfg); w != "" {
		s.say("%s", w)
	}
	return false, nil
}

func (s *chatSession) cmdExport(ctx context.Context, arg string) (bool, error) {
	if s.st == nil || s.conv.ID() == "" {
		return false, fmt.Errorf("/export needs the store (chat was started with --no-store)")
	}
	t, err := s.st.Get(ctx, s.conv.ID())
	if err != nil {
		return false, err
	}
	switch arg {
	case "", "markdown":
		return false, writeMarkdown(s.app.stdout, t)
	case "json":
		return false, writeJSON(s.app.stdout, t)
	case "openai":
		msgs, err := conversation.WireMessages(t)
		if err != nil {
			return false, err
		}
		return false, writeJSON(s.app.stdout, msgs)
	}
	return false, fmt.Errorf("/export takes json, markdown or openai")
}

func (s *chatSession) cmdCompact(context.Context, string) (bool, error) {
	msgs, rep := bridge.Compact(s.conv.Messages(), 0)
	s.conv.Replace(msgs)
	s.say("%s (the transcript keeps every result whole)", rep)
	return false, nil
}
