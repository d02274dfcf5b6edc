// Package config reads glm-mcp's TOML configuration file and lays it under
// the command-line flags.
//
// The file's top-level keys are the flag names in snake_case (a flag's '-'
// becomes '_': --max-steps is max_steps); a scalar sets the flag, an array
// sets a repeatable flag once per element. Only snake_case is accepted, so a
// key has one spelling; a dashed key is an unknown key whose error names the
// snake_case spelling. Four tables have their own shape:
//
//	[mcp_servers.NAME]  command, args, env, url, headers (an mcpServers entry)
//	[approval]          allow and deny: globs over tool names (SERVER__TOOL)
//	[prices.MODEL]      input, cached_input, output: USD per million tokens
//	[profiles.NAME]     the same keys and tables, laid over the rest by Resolve
//
// Precedence is flags, then environment, then the file, then defaults: Apply
// sets only the flags that neither the command line nor the environment set.
// Every error about the file is an *Error naming the file, the line and the
// key. Keys that would hold a secret (api_key, token, ...) are refused: the
// file names environment variables (api_key_env) and never holds a key.
//
// The package reads no environment and no flags of its own: the caller passes
// the values (see Path) and the FlagSet.
package config

import (
	"errors"
	"fmt"
)

// Sentinel errors, checked with errors.Is on what Load, Resolve and Apply return.
var (
	// ErrNotFound: the file that was asked for explicitly does not exist.
	ErrNotFound = errors.New("config file not found")
	// ErrExists: Init would overwrite a file.
	ErrExists = errors.New("config file already exists")
	// ErrTooLarge: the file is larger than MaxFileSize.
	ErrTooLarge = errors.New("config file too large")
	// ErrSyntax: the file is not valid TOML.
	ErrSyntax = errors.New("not valid TOML")
	// ErrUnknownKey: a key that no command takes and no table knows.
	ErrUnknownKey = errors.New("unknown key")
	// ErrType: a value of the wrong TOML type for its key.
	ErrType = errors.New("wrong type")
	// ErrBadValue: a value of the right type that its key refuses.
	ErrBadValue = errors.New("bad value")
	// ErrSecret: a key or value that would keep a secret in the file.
	ErrSecret = errors.New("secret in the config file")
	// ErrUnknownProfile: Resolve was asked for a profile the file does not have.
	ErrUnknownProfile = errors.New("unknown profile")
)

// MaxFileSize is the largest configuration file Load reads.
const MaxFileSize = 1 << 20

// Position is where something was written: a file and a 1-based line.
type Position struct {
	File string
	Line int
}

// String formats the position as FILE:LINE.
func (p Position) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Error is a problem with one key of the file. Its text is
// `FILE:LINE: key "KEY": MESSAGE`; Unwrap gives the kind (ErrUnknownKey,
// ErrType, ErrBadValue, ErrSecret, ErrSyntax) and any underlying error.
type Error struct {
	Pos Position
	Key string // dotted path of the key as written, "" for a syntax error
	Err error
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %v", e.Pos, e.Err)
	}
	return fmt.Sprintf("%s: key %q: %v", e.Pos, e.Key, e.Err)
}

// Unwrap returns the kind and the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// keyErr builds an *Error whose chain holds kind and whose message is msg.
func keyErr(pos Position, key string, kind error, format string, args ...any) *Error {
	return &Error{Pos: pos, Key: key, Err: &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}}
}

// kindError carries a message and a sentinel kind without repeating the
// sentinel's text in the message.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}
