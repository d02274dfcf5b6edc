package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// File is a parsed configuration file: the top level and its profiles, not
// yet laid over any flags. Resolve picks a profile.
type File struct {
	// Path is the file that was read, or would have been.
	Path string
	// Exists is false when the file was not there and that was allowed.
	Exists bool

	base           layer
	profiles       map[string]*layer
	profilePos     map[string]Position
	defaultProfile string
	defaultPos     Position
}

// entry is one flag key and its raw TOML value.
type entry struct {
	key     string
	val     any
	pos     Position
	profile string
}

// layer is what the top level, or one profile, says.
type layer struct {
	flags     map[string]entry
	servers   map[string]MCPServer
	serverPos map[string]Position
	allow     []Pattern
	deny      []Pattern
	prices    map[string]Price
	pricePos  map[string]Position
}

func newLayer() *layer {
	return &layer{
		flags: map[string]entry{}, servers: map[string]MCPServer{}, serverPos: map[string]Position{},
		prices: map[string]Price{}, pricePos: map[string]Position{},
	}
}

// Load reads and checks the file at path. A missing file is an empty File
// unless mustExist (the user named it), when it is ErrNotFound. Every problem
// found is reported at once, each an *Error with file, line and key.
func Load(path string, mustExist bool) (*File, error) {
	if path == "" {
		return &File{}, nil
	}
	data, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		if mustExist {
			return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
		}
		return &File{Path: path}, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// readLimited reads at most MaxFileSize bytes, refusing larger files.
func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", path, ErrTooLarge, MaxFileSize)
	}
	return data, nil
}

// Parse checks data, the text of the file called name.
func Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", name, ErrTooLarge, MaxFileSize)
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(name, data, err)
	}
	l := &loader{file: name, lines: indexLines(data)}
	f := &File{Path: name, Exists: true, profiles: map[string]*layer{}, profilePos: map[string]Position{}}
	f.base = *l.layer(doc, nil, "")
	if v, ok := doc["profile"]; ok {
		f.defaultPos = l.at("profile")
		f.defaultProfile, _ = l.str(v, []string{"profile"})
	}
	if v, ok := doc["profiles"]; ok {
		path := []string{"profiles"}
		if tbl, ok := l.table(v, path); ok {
			for _, name := range sortedKeys(tbl) {
				p := append(slices.Clone(path), name)
				if sub, ok := l.table(tbl[name], p); ok {
					f.profiles[name] = l.layer(sub, p, name)
					f.profilePos[name] = l.at(p...)
				}
			}
		}
	}
	return f, l.err()
}

// syntaxError turns a go-toml error into an *Error with the line, and the
// key written on that line when the decoder does not say.
func syntaxError(name string, data []byte, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		key := strings.Join(de.Key(), ".")
		if lines := strings.Split(string(data), "\n"); key == "" && line >= 1 && line <= len(lines) {
			if m := keyOnLine.FindStringSubmatch(lines[line-1]); m != nil {
				key = m[1]
			}
		}
		return &Error{Pos: Position{File: name, Line: line}, Key: key, Err: &kindError{kind: ErrSyntax, msg: msg}}
	}
	return &Error{Pos: Position{File: name}, Err: &kindError{kind: ErrSyntax, msg: err.Error(), cause: err}}
}

// keyOnLine finds a bare or dotted key before '=' at the start of a line.
var keyOnLine = regexp.MustCompile(`^\s*([A-Za-z0-9_.-]+)\s*=`)

// loader collects the problems of one file.
type loader struct {
	file  string
	lines map[string]int
	errs  []*Error
}

// at is the position of the key at path (its first mention).
func (l *loader) at(path ...string) Position {
	return Position{File: l.file, Line: l.lines[strings.Join(path, "\x00")]}
}

func (l *loader) fail(path []string, kind error, format string, args ...any) {
	l.errs = append(l.errs, keyErr(l.at(path...), strings.Join(path, "."), kind, format, args...))
}

// err joins the problems, in the order of the file.
func (l *loader) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Pos.Line < l.errs[j].Pos.Line })
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// layer reads the keys of the top level (profile "") or of one profile.
func (l *loader) layer(m map[string]any, prefix []string, profile string) *layer {
	ly := newLayer()
	for _, k := range sortedKeys(m) {
		v, path := m[k], append(slices.Clone(prefix), k)
		switch k {
		case "mcp_servers":
			l.servers(ly, v, path)
		case "approval":
			l.approval(ly, v, path)
		case "prices":
			l.prices(ly, v, path)
		case "profiles", "profile":
			if profile != "" {
				l.fail(path, ErrUnknownKey, "profiles do not nest: %s belongs at the top level", k)
			}
		default:
			l.flagKey(ly, k, v, path, profile)
		}
	}
	return ly
}

// flagKey checks a key meant for a flag: no secret, a scalar or an array of scalars.
func (l *loader) flagKey(ly *layer, k string, v any, path []string, profile string) {
	if hint, bad := secretKey(k); bad {
		l.fail(path, ErrSecret, "the file never holds secrets: keep it in an environment variable and give the variable's name as %s", hint)
		return
	}
	if _, isTable := v.(map[string]any); isTable {
		l.fail(path, ErrUnknownKey, "no such table (tables are mcp_servers, approval, prices and profiles)")
		return
	}
	if arr, ok := v.([]any); ok {
		for _, el := range arr {
			if typeName(el) != "string" && typeName(el) != "integer" && typeName(el) != "float" && typeName(el) != "boolean" {
				l.fail(path, ErrType, "an array of %s; flags take strings, numbers or booleans", plural(typeName(el)))
				return
			}
		}
	} else if t := typeName(v); t != "string" && t != "integer" && t != "float" && t != "boolean" {
		l.fail(path, ErrType, "%s; flags take strings, numbers or booleans", withArticle(t))
		return
	}
	ly.flags[k] = entry{key: strings.Join(path, "."), val: v, pos: l.at(path...), profile: profile}
}

// table, str, strs and strMap check a value's type, reporting a mismatch.
func (l *loader) table(v any, path []string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		l.fail(path, ErrType, "want a table, got %s", withArticle(typeName(v)))
	}
	return m, ok
}

func (l *loader) str(v any, path []string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		l.fail(path, ErrType, "want a string, got %s", withArticle(typeName(v)))
	}
	return s, ok
}

func (l *loader) strs(v any, path []string) []string {
	arr, ok := v.([]any)
	if !ok {
		l.fail(path, ErrType, "want an array of strings, got %s", withArticle(typeName(v)))
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, el := range arr {
		s, ok := el.(string)
		if !ok {
			l.fail(path, ErrType, "want an array of strings, got an element that is %s", withArticle(typeName(el)))
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (l *loader) strMap(v any, path []string) map[string]string {
	m, ok := l.table(v, path)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		s, ok := m[k].(string)
		if !ok {
			l.fail(append(slices.Clone(path), k), ErrType, "want a string, got %s", withArticle(typeName(m[k])))
			continue
		}
		out[k] = s
	}
	return out
}

// typeName names a decoded TOML value's type as TOML does.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case time.Time, toml.LocalDate, toml.LocalTime, toml.LocalDateTime:
		return "date-time"
	}
	return fmt.Sprintf("%T", v)
}

func plural(t string) string {
	if strings.HasSuffix(t, "y") {
		return t[:len(t)-1] + "ies"
	}
	return t + "s"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
