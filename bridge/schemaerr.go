package bridge

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// describeSchemaError words a validation error for the model: each failed
// rule as "ARGUMENT must ..., got ...", joined by "; ". It never prints Go
// values.
func describeSchemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var lines []string
	for _, leaf := range leaves(ve) {
		if line := describeLeaf(leaf); !slices.Contains(lines, line) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "; ")
}

// leaves returns the errors that name a rule, not a group of other errors.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

var english = message.NewPrinter(language.English)

func describeLeaf(ve *jsonschema.ValidationError) string {
	arg := argumentName(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		return missing(ve.InstanceLocation, k.Missing)
	case *kind.AdditionalProperties:
		return fmt.Sprintf("unknown %s %s", plural("argument", len(k.Properties)), quoteAll(k.Properties))
	case *kind.Type:
		return fmt.Sprintf("%s must be %s, got %s", arg, article(strings.Join(k.Want, " or ")), k.Got)
	case *kind.Minimum:
		return fmt.Sprintf("%s must be at least %s, got %s", arg, rat(k.Want), rat(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("%s must be at most %s, got %s", arg, rat(k.Want), rat(k.Got))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("%s must be more than %s, got %s", arg, rat(k.Want), rat(k.Got))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("%s must be less than %s, got %s", arg, rat(k.Want), rat(k.Got))
	case *kind.MultipleOf:
		return fmt.Sprintf("%s must be a multiple of %s, got %s", arg, rat(k.Want), rat(k.Got))
	case *kind.MinLength:
		return fmt.Sprintf("%s must be at least %d characters long, got %d", arg, k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("%s must be at most %d characters long, got %d", arg, k.Want, k.Got)
	case *kind.MinItems:
		return fmt.Sprintf("%s must have at least %d items, got %d", arg, k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("%s must have at most %d items, got %d", arg, k.Want, k.Got)
	case *kind.Pattern:
		return fmt.Sprintf("%s must match the pattern %s, got %q", arg, k.Want, k.Got)
	case *kind.Enum:
		return fmt.Sprintf("%s must be one of %s", arg, values(k.Want))
	case *kind.Const:
		return fmt.Sprintf("%s must be %s", arg, values([]any{k.Want}))
	case *kind.Format:
		return fmt.Sprintf("%s must be a valid %s", arg, k.Want)
	}
	return fmt.Sprintf("%s: %s", arg, ve.ErrorKind.LocalizedString(english))
}

// argumentName names the value at loc: "offset", "edits[2].path", or "the
// arguments" for the whole object.
func argumentName(loc []string) string {
	if len(loc) == 0 {
		return "the arguments"
	}
	var b strings.Builder
	for i, p := range loc {
		switch {
		case isIndex(p):
			b.WriteString("[" + p + "]")
		case i > 0:
			b.WriteString("." + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func missing(loc []string, names []string) string {
	where := ""
	if len(loc) > 0 {
		where = " in " + argumentName(loc)
	}
	return fmt.Sprintf("missing required %s %s%s", plural("argument", len(names)), quoteAll(names), where)
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// article puts "a" or "an" before a JSON type name.
func article(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

// rat prints a number as JSON would: 1, 2.5.
func rat(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return fmt.Sprint(f)
}

// values lists allowed JSON values: "a", "b" or 1, 2.
func values(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		switch v := v.(type) {
		case string:
			parts[i] = fmt.Sprintf("%q", v)
		case nil:
			parts[i] = "null"
		case []any, map[string]any:
			parts[i] = "a structured value"
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, ", ")
}
