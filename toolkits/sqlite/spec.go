package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
)

const maxNameLen = 64

// ParseSpec parses one --sqlite value: "NAME=PATH" or "PATH". Without a NAME,
// the name is the file's base name without its extension, with characters
// other than letters, digits, '_', '-' and '.' replaced by '_'. A value whose
// part before the first '=' is not a valid name (it contains '/', say) is
// taken as a path, so "/data/a=b.db" is a path; write "./x=y.db" for a file
// named "x=y.db" in the current directory.
func ParseSpec(spec string) (Database, error) {
	if name, path, ok := strings.Cut(spec, "="); ok && validateName(name) == nil {
		if strings.TrimSpace(path) == "" {
			return Database{}, fmt.Errorf("%q: the path after %q= is empty", spec, name)
		}
		return Database{Name: name, Path: path}, nil
	}
	if strings.TrimSpace(spec) == "" {
		return Database{}, fmt.Errorf("a database needs a path: [NAME=]PATH")
	}
	name := deriveName(spec)
	if err := validateName(name); err != nil {
		return Database{}, fmt.Errorf("%q: cannot derive a database name from the file name; give one with NAME=PATH", spec)
	}
	return Database{Name: name, Path: spec}, nil
}

// ParseSpecs parses every --sqlite value and rejects duplicate names.
func ParseSpecs(specs []string) ([]Database, error) {
	out := make([]Database, 0, len(specs))
	seen := make(map[string]string, len(specs))
	for _, s := range specs {
		d, err := ParseSpec(s)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[d.Name]; dup {
			return nil, fmt.Errorf("database name %q is used twice (%s and %s); name them with NAME=PATH", d.Name, prev, d.Path)
		}
		seen[d.Name] = d.Path
		out = append(out, d)
	}
	return out, nil
}

// deriveName turns a path into a database name: base name, extension dropped,
// unusual characters replaced.
func deriveName(path string) string {
	base := filepath.Base(path)
	if ext := filepath.Ext(base); ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	b := []byte(base)
	for i, c := range b {
		if !isNameByte(c) {
			b[i] = '_'
		}
	}
	name := strings.TrimLeft(string(b), ".-")
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	return name
}

// validateName accepts 1 to 64 letters, digits, '_', '-' and '.', starting
// with a letter, digit or '_': names appear in resource URIs and messages.
func validateName(name string) error {
	if name == "" {
		return fmt.Errorf("database name is empty")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("database name %q is longer than %d characters", name, maxNameLen)
	}
	if name[0] == '-' || name[0] == '.' {
		return fmt.Errorf("database name %q must start with a letter, digit or '_'", name)
	}
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return fmt.Errorf("database name %q may contain only letters, digits, '_', '-' and '.'", name)
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
