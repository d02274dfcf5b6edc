package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// argValidator checks every call's arguments against its tool's input schema
// and answers a violation with a tool error in words, naming the argument
// and the rule (mcp-go's own validation answers with Go value dumps).
type argValidator struct {
	tools map[string]toolSchema
}

type toolSchema struct {
	schema *jsonschema.Schema
	params []string // the argument names the schema declares, for "unknown argument"
}

// newArgValidator compiles the input schema of each tool.
func newArgValidator(tools []server.ServerTool) (*argValidator, error) {
	v := &argValidator{tools: map[string]toolSchema{}}
	for _, t := range tools {
		raw := t.Tool.RawInputSchema
		if len(raw) == 0 {
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("decode input schema of %s: %w", t.Tool.Name, err)
		}
		url := "mem:///glm-mcp/tools/" + t.Tool.Name + "/input-schema.json"
		c := jsonschema.NewCompiler()
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("add input schema of %s: %w", t.Tool.Name, err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compile input schema of %s: %w", t.Tool.Name, err)
		}
		v.tools[t.Tool.Name] = toolSchema{schema: sch, params: propertyNames(doc)}
	}
	return v, nil
}

func propertyNames(doc any) []string {
	m, _ := doc.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// middleware refuses calls whose arguments break the tool's input schema.
func (v *argValidator) middleware(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ts, ok := v.tools[req.Params.Name]
		if !ok {
			return next(ctx, req)
		}
		args, err := argumentsValue(req.Params)
		if err != nil {
			return mcp.NewToolResultError("the arguments are not valid JSON: " + err.Error()), nil
		}
		if err := ts.schema.Validate(args); err != nil {
			return mcp.NewToolResultError(describeViolation(err, ts.params)), nil
		}
		return next(ctx, req)
	}
}

// argumentsValue returns the call's arguments as the validator reads them
// (numbers as json.Number, so that large integers keep their value). Missing
// arguments are an empty object.
func argumentsValue(p mcp.CallToolParams) (any, error) {
	raw := []byte(p.RawArguments)
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if p.Arguments == nil {
			return map[string]any{}, nil
		}
		b, err := json.Marshal(p.Arguments)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

// describeViolation writes a validation error as one line: each broken rule
// as "<argument> <rule>, got <value>", joined with "; ".
func describeViolation(err error, params []string) string {
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return "invalid arguments: " + err.Error()
	}
	var parts []string
	for _, leaf := range leaves(verr, nil) {
		msg := describeLeaf(leaf, params)
		if !slices.Contains(parts, msg) {
			parts = append(parts, msg)
		}
	}
	if len(parts) == 0 {
		return "invalid arguments"
	}
	return strings.Join(parts, "; ")
}

func leaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = leaves(c, out)
	}
	return out
}

var printer = message.NewPrinter(language.English)

// describeLeaf words one broken rule.
func describeLeaf(e *jsonschema.ValidationError, params []string) string {
	name := argName(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		if len(e.InstanceLocation) == 0 {
			return plural(len(k.Missing), "missing required argument ", "missing required arguments ") + quoteAll(k.Missing)
		}
		return fmt.Sprintf("%s is missing required %s%s", name, plural(len(k.Missing), "field ", "fields "), quoteAll(k.Missing))
	case *kind.AdditionalProperties:
		if len(e.InstanceLocation) == 0 {
			return fmt.Sprintf("unknown %s%s (this tool takes: %s)", plural(len(k.Properties), "argument ", "arguments "),
				quoteAll(k.Properties), strings.Join(params, ", "))
		}
		return fmt.Sprintf("%s has unknown %s%s", name, plural(len(k.Properties), "field ", "fields "), quoteAll(k.Properties))
	case *kind.Type:
		return fmt.Sprintf("%s must be %s, got %s", name, typeWords(k.Want), withArticle(k.Got))
	case *kind.Enum:
		return fmt.Sprintf("%s must be one of %s, got %s", name, displayAll(k.Want), display(k.Got))
	case *kind.Const:
		return fmt.Sprintf("%s must be %s, got %s", name, display(k.Want), display(k.Got))
	case *kind.Minimum:
		return fmt.Sprintf("%s must be at least %s, got %s", name, ratString(k.Want), ratString(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("%s must be at most %s, got %s", name, ratString(k.Want), ratString(k.Got))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("%s must be greater than %s, got %s", name, ratString(k.Want), ratString(k.Got))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("%s must be less than %s, got %s", name, ratString(k.Want), ratString(k.Got))
	case *kind.MultipleOf:
		return fmt.Sprintf("%s must be a multiple of %s, got %s", name, ratString(k.Want), ratString(k.Got))
	case *kind.MinLength:
		return fmt.Sprintf("%s must be at least %d %s long, got %d", name, k.Want, plural(k.Want, "character", "characters"), k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("%s must be at most %d %s long, got %d", name, k.Want, plural(k.Want, "character", "characters"), k.Got)
	case *kind.Pattern:
		return fmt.Sprintf("%s must match the pattern %s, got %s", name, k.Want, display(k.Got))
	case *kind.MinItems:
		return fmt.Sprintf("%s must have at least %d items, got %d", name, k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("%s must have at most %d items, got %d", name, k.Want, k.Got)
	case *kind.FalseSchema:
		return name + " is not allowed"
	}
	return name + ": " + e.ErrorKind.LocalizedString(printer)
}

// argName writes an instance location as the model wrote it: offset,
// params[0], filter.name; the root is "arguments".
func argName(loc []string) string {
	if len(loc) == 0 {
		return "arguments"
	}
	var b strings.Builder
	for i, seg := range loc {
		if _, err := strconv.Atoi(seg); err == nil && i > 0 {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

func typeWords(want []string) string {
	w := make([]string, len(want))
	for i, t := range want {
		w[i] = withArticle(t)
	}
	return strings.Join(w, " or ")
}

func withArticle(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	case "null":
		return "null"
	case "boolean":
		return "a boolean (true or false)"
	}
	return "a " + t
}

func displayAll(vs []any) string {
	d := make([]string, len(vs))
	for i, v := range vs {
		d[i] = display(v)
	}
	return strings.Join(d, ", ")
}

// display writes a value as JSON, shortened past 60 bytes.
func display(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return shorten(string(unescapeHTML(b)), 60)
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
