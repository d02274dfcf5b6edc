// Command glm-mcp gives the GLM-4.7 model, and any MCP-aware editor, fast and
// safe access to local data: `serve` hosts the files, sqlite and http toolkits
// over MCP; `tools` prints their catalogue; `version` prints the version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/glm-mcp/glm-mcp/term"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; builds
// from a module proxy fall back to the module version.
var version = "dev"

// Exit codes shared by every command.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// errUsage marks an error in the command line; it exits 2.
var errUsage = errors.New("usage error")

// app carries the process's standard streams and environment, so commands are
// testable without touching the real ones. Only main fills it from os.
type app struct {
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	environ func() []string // the whole environment, for child processes; nil means none
	keyEnv  string          // the variable ask took its API key from, kept from child processes
	rend    renderer        // how a run is shown; made at the first use
	tio     *term.IO        // the terminal's one owner; made at the first use
	cancel  context.CancelFunc

	mu       sync.Mutex
	onSignal func(os.Signal) // who gets Ctrl-C and SIGTERM now; nil: cancel the command
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ, cancel: cancel}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go a.dispatchSignals(ctx, sigs)
	code := a.run(ctx, os.Args[1:])
	os.Exit(code)
}

// dispatchSignals gives Ctrl-C and SIGTERM to whoever asked for them (a chat
// turn), else cancels the command's context; a signal after that ends the
// process at once.
func (a *app) dispatchSignals(ctx context.Context, sigs <-chan os.Signal) {
	for sig := range sigs {
		a.mu.Lock()
		handler := a.onSignal
		a.mu.Unlock()
		switch {
		case handler != nil:
			handler(sig)
		case ctx.Err() == nil:
			a.cancel()
		default:
			os.Exit(exitInterrupted)
		}
	}
}

// onInterrupt routes Ctrl-C and SIGTERM to fn until the returned stop is called.
func (a *app) onInterrupt(fn func(os.Signal)) (stop func()) {
	a.mu.Lock()
	a.onSignal = fn
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.onSignal = nil
		a.mu.Unlock()
	}
}

// interrupt acts as Ctrl-C does when it arrives as a key at a question
// rather than as a signal: the handler of the moment (a chat turn) gets it,
// else the command's context is cancelled.
func (a *app) interrupt() {
	a.mu.Lock()
	handler := a.onSignal
	a.mu.Unlock()
	if handler != nil {
		handler(os.Interrupt)
		return
	}
	a.terminate()
}

// terminate cancels the command's context (the process is asked to stop).
func (a *app) terminate() {
	if a.cancel != nil {
		a.cancel()
	}
}

const usageText = `glm-mcp gives GLM-4.7 and MCP-aware editors fast, safe access to local data.

Usage:
  glm-mcp serve [flags]           serve the files, sqlite and http toolkits over MCP (stdio, or --http)
  glm-mcp ask [flags] PROMPT      ask GLM-4.7 with the toolkits attached as tools
  glm-mcp chat [flags]            an interactive session with the same tools (Ctrl-D leaves)
  glm-mcp transcripts list|search|show|serve|export|import|rm   find, read and export stored transcripts
  glm-mcp replay ID [--live]      run a stored transcript's tool calls again (or re-ask the model) and compare
  glm-mcp config path|show|init   the configuration file: where it is, what it sets, a starting file
  glm-mcp tools [flags]           print the tool catalogue (--format mcp|openai)
  glm-mcp version                 print the version

Run 'glm-mcp COMMAND -h' for a command's flags.
`

// run dispatches to a command and returns the process exit code.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usageText)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = a.serve(ctx, rest)
	case "tools":
		err = a.tools(ctx, rest)
	case "ask":
		err = a.ask(ctx, rest)
	case "replay":
		err = a.replay(ctx, rest)
	case "chat":
		err = a.chat(ctx, rest)
	case "config":
		err = a.configCmd(ctx, rest)
	case "transcripts":
		err = a.transcripts(ctx, rest)
	case "version", "--version", "-version":
		fmt.Fprintf(a.stdout, "glm-mcp %s\n", buildVersion())
	case "help", "-h", "--help", "-help":
		fmt.Fprint(a.stdout, usageText)
	default:
		hint := ""
		if near := closest(cmd, []string{"serve", "tools", "ask", "replay", "chat", "config", "transcripts", "version", "help"}); near != "" {
			hint = "; did you mean " + near + "?"
		}
		fmt.Fprintf(a.stderr, "glm-mcp: unknown command %q%s\n\n%s", cmd, hint, usageText)
		return exitUsage
	}
	var coded *exitCodeError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &coded):
		if !errors.Is(err, errShown) {
			fmt.Fprintf(a.stderr, "glm-mcp %s: %v\n", args[0], err)
		}
		return coded.code
	case errors.Is(err, errUsage):
		fmt.Fprintf(a.stderr, "glm-mcp %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(a.stderr, "glm-mcp %s: %v\n", args[0], err)
		return exitError
	}
}

// buildVersion is the -ldflags version, else the module version from the build info.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// usageError is an error in the command line (exit 2); errors.Is matches it
// with errUsage. Its text is the message alone.
func usageError(format string, args ...any) error {
	return &cmdLineError{msg: fmt.Sprintf(format, args...)}
}

type cmdLineError struct{ msg string }

func (e *cmdLineError) Error() string        { return e.msg }
func (e *cmdLineError) Is(target error) bool { return target == errUsage }

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints help to stdout on -h.
func (a *app) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fs.SetOutput(a.stdout)
		fmt.Fprintf(a.stdout, "Usage: glm-mcp %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, turning flag errors into one-line usage errors and
// -h into flag.ErrHelp (the usage printed once, on stdout).
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package would print it on every error
	err := fs.Parse(args)
	fs.Usage = usage
	if err == nil {
		return nil
	}
	if errors.Is(err, flag.ErrHelp) {
		usage()
		return flag.ErrHelp
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag " + asTyped(args, name)
		if near := closestFlag(fs, name); near != "" {
			msg += "; did you mean --" + near + "?"
		}
	}
	return usageError("%s (see 'glm-mcp %s -h')", msg, fs.Name())
}

// asTyped is flag name as the user wrote it among args: -name or --name.
func asTyped(args []string, name string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		flagName, _, _ := strings.Cut(a, "=")
		if flagName == "-"+name || flagName == "--"+name {
			return flagName
		}
	}
	return "--" + name
}

// closestFlag is the flag of fs nearest to name (see closest), or "".
func closestFlag(fs *flag.FlagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return closest(name, names)
}

// closest is the name nearest to typed, a typo of it (at most two edits, or
// one for a short word), or "".
func closest(typed string, names []string) string {
	if len(typed) > 64 {
		return ""
	}
	best, bestDist := "", min(2, len(typed)/3)+1
	for _, n := range names {
		if d := editDistance(typed, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance counts the edits from a to b, in bytes: insertions,
// deletions, substitutions and swaps of two neighbours (optimal string
// alignment), the typos people make.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
