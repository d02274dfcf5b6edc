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
	"syscall"
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
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first Ctrl-C cancels the run; a second one ends the process
	}()
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

const usageText = `glm-mcp gives GLM-4.7 and MCP-aware editors fast, safe access to local data.

Usage:
  glm-mcp serve [flags]           serve the files, sqlite and http toolkits over MCP (stdio, or --http)
  glm-mcp ask [flags] PROMPT      ask GLM-4.7 with the toolkits attached as tools
  glm-mcp transcripts list|show|export|rm   inspect stored transcripts
  glm-mcp replay ID [--live]      run a stored transcript's tool calls again (or re-ask the model) and compare
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
	case "transcripts":
		err = a.transcripts(ctx, rest)
	case "version", "--version", "-version":
		fmt.Fprintf(a.stdout, "glm-mcp %s\n", buildVersion())
	case "help", "-h", "--help", "-help":
		fmt.Fprint(a.stdout, usageText)
	default:
		fmt.Fprintf(a.stderr, "glm-mcp: unknown command %q\n\n%s", cmd, usageText)
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

// usageError wraps a message as a usage error (exit code 2).
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

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
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		msg = "unknown flag " + name
	}
	return usageError("%s (see 'glm-mcp %s -h')", msg, fs.Name())
}
