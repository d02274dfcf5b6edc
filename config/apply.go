package config

import (
	"flag"
	"slices"
	"strings"
	"time"
)

// Source says where a flag's value came from.
type Source int

// The sources, in the order they yield to one another (Flag beats Env beats File beats Default).
const (
	FromDefault Source = iota
	FromFile
	FromEnv
	FromFlag
)

func (s Source) String() string {
	switch s {
	case FromFlag:
		return "flag"
	case FromEnv:
		return "env"
	case FromFile:
		return "file"
	}
	return "default"
}

// Origin is where one flag's value came from: the variable for FromEnv, the
// file position (and profile) for FromFile.
type Origin struct {
	Source  Source
	Env     string
	Pos     Position
	Profile string
}

// Origins maps flag names to where their values came from.
type Origins map[string]Origin

// Repeatable is implemented by flag values that collect each Set (lists such
// as --root): an array in the file is given to them one element at a time.
// A flag whose value does not implement it takes one value, and an array for
// it is an error.
type Repeatable interface {
	IsRepeatable() bool
}

// ApplyOptions tells Apply what the rest of the program knows.
type ApplyOptions struct {
	// Known is every flag name (with dashes) that some command takes, so a key
	// meant for another command (model, when running serve) is not an error.
	// Nil means the flags of the FlagSet alone.
	Known map[string]bool
	// Env maps a flag name to the environment variable that set it (the
	// caller found the variable non-empty); the file yields to it.
	Env map[string]string
	// CommandLineOnly names flags the file may not set (config, profile, continue, ...).
	CommandLineOnly []string
}

// Apply sets every flag of fs that the command line did not set (flag.Visit
// tells which it did) and the environment did not set (opts.Env) from v,
// and returns where every flag's value came from. Errors name the file, line
// and key: an unknown key, a wrong TOML type for the flag, or the flag's own
// refusal (`FILE:LINE: key "max_steps": <the flag's error>`). Call it after
// fs.Parse and before reading the flags' values. v may be nil (no file).
func Apply(fs *flag.FlagSet, v *Values, opts ApplyOptions) (Origins, error) {
	origins := Origins{}
	fs.VisitAll(func(f *flag.Flag) { origins[f.Name] = Origin{Source: FromDefault} })
	for name, variable := range opts.Env {
		if fs.Lookup(name) != nil {
			origins[name] = Origin{Source: FromEnv, Env: variable}
		}
	}
	fs.Visit(func(f *flag.Flag) { origins[f.Name] = Origin{Source: FromFlag} })
	l := &loader{}
	for _, s := range v.Settings() {
		f := fs.Lookup(s.Flag)
		switch {
		case strings.Contains(s.name, "-"):
			l.errs = append(l.errs, unknownKey(s, fs, opts.Known))
			continue
		case slices.Contains(opts.CommandLineOnly, s.Flag):
			l.errs = append(l.errs, keyErr(s.Pos, s.Key, ErrUnknownKey, "only the command line sets this"))
			continue
		case f == nil:
			if opts.Known[s.Flag] {
				continue // a key of another command
			}
			l.errs = append(l.errs, unknownKey(s, fs, opts.Known))
			continue
		case origins[f.Name].Source != FromDefault:
			continue
		}
		if err := checkType(f, s); err != nil {
			l.errs = append(l.errs, err)
			continue
		}
		if err := setAll(fs, f, s); err != nil {
			l.errs = append(l.errs, err)
			continue
		}
		origins[f.Name] = Origin{Source: FromFile, Pos: s.Pos, Profile: s.Profile}
	}
	return origins, l.err()
}

// unknownKey explains a key no flag answers to.
func unknownKey(s Setting, fs *flag.FlagSet, known map[string]bool) *Error {
	if strings.Contains(s.name, "-") && (fs.Lookup(s.Flag) != nil || known[s.Flag]) {
		return keyErr(s.Pos, s.Key, ErrUnknownKey, "keys are snake_case: write %s", strings.ReplaceAll(s.name, "-", "_"))
	}
	return keyErr(s.Pos, s.Key, ErrUnknownKey, "no such setting (keys are the flag names in snake_case, see -h)")
}

// setAll gives the setting's values to the flag, wrapping the flag's refusal.
func setAll(fs *flag.FlagSet, f *flag.Flag, s Setting) *Error {
	for _, val := range s.Values {
		if err := fs.Set(f.Name, val); err != nil {
			return &Error{Pos: s.Pos, Key: s.Key, Err: &kindError{kind: ErrBadValue, msg: err.Error(), cause: err}}
		}
	}
	return nil
}

// checkType compares the TOML type with what the flag takes: booleans for
// boolean flags, integers for integer flags, numbers for float flags, strings
// for string and duration flags, and arrays only for Repeatable flags.
func checkType(f *flag.Flag, s Setting) *Error {
	if arr, ok := s.val.([]any); ok {
		if r, ok := f.Value.(Repeatable); !ok || !r.IsRepeatable() {
			return keyErr(s.Pos, s.Key, ErrType, "takes one value, not an array")
		}
		for _, el := range arr {
			if e := checkScalar(f, s, el); e != nil {
				return e
			}
		}
		return nil
	}
	return checkScalar(f, s, s.val)
}

func checkScalar(f *flag.Flag, s Setting, val any) *Error {
	got, want := typeName(val), wantType(f.Value)
	switch {
	case got == want, want == "number" && (got == "integer" || got == "float"), want == "duration" && got == "string":
		return nil
	case want == "":
		if got == "boolean" {
			return keyErr(s.Pos, s.Key, ErrType, "want a string or number, got a boolean")
		}
		return nil
	case want == "duration":
		return keyErr(s.Pos, s.Key, ErrType, `want a duration such as "30s", got %s %s`, article(got), got)
	}
	return keyErr(s.Pos, s.Key, ErrType, "want %s %s, got %s %s", article(want), want, article(got), got)
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// wantType is the TOML type a flag value takes, "" for a string or number
// (custom values, which check their text themselves).
func wantType(v flag.Value) string {
	if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "boolean"
	}
	g, ok := v.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case bool:
		return "boolean"
	case int, int64, uint, uint64:
		return "integer"
	case float64:
		return "number"
	case time.Duration:
		return "duration"
	case string:
		return "string"
	}
	return ""
}

func withArticle(word string) string { return article(word) + " " + word }
