// Package bridge runs GLM-4.7 with MCP tools attached: it turns the tools of
// MCP servers (our own toolkits through an in-process client, external
// servers from an mcpServers file) into function-calling tools, runs the
// multi-turn tool loop against the completion endpoint, and reports every
// event to a Recorder.
package bridge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// ToolClient is the part of an MCP client the bridge uses; mcp-go's
// *client.Client satisfies it.
type ToolClient interface {
	ListTools(ctx context.Context, req mcp.ListToolsRequest) (*mcp.ListToolsResult, error)
	CallTool(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error)
	Close() error
}

// Server is one connected MCP server and the tools it listed.
type Server struct {
	Name   string
	Client ToolClient
	Tools  []mcp.Tool
	// Builtin marks glm-mcp's own toolkits, whose tool names are kept as they are.
	Builtin bool
}

// Tool is one tool as offered to the model.
type Tool struct {
	Name     string // the function name sent to the model
	Server   *Server
	MCP      mcp.Tool
	Params   json.RawMessage // the cleaned JSON Schema sent as parameters
	schema   *jsonschema.Schema
	ReadOnly bool
}

// Catalog is the set of tools offered to the model, by function name.
type Catalog struct {
	tools  []*Tool
	byName map[string]*Tool
	// Skipped says which tools were left out because their input schema is unusable.
	Skipped []error
}

// CatalogOptions filters and names the tools.
type CatalogOptions struct {
	Include []string // globs; when set, only matching tools are offered
	Exclude []string // globs; matching tools are never offered
	Prefix  bool     // name every external tool SERVER__TOOL
}

// NewCatalog names, filters and compiles the tools of servers. Builtin
// servers keep their names; an external tool is named SERVER__TOOL when its
// name collides with one already taken, or when opts.Prefix asks for it.
func NewCatalog(servers []*Server, opts CatalogOptions) (*Catalog, error) {
	for _, g := range append(slices.Clone(opts.Include), opts.Exclude...) {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("bad tool filter %q: %w", g, err)
		}
	}
	c := &Catalog{byName: map[string]*Tool{}}
	ordered := slices.Clone(servers)
	slices.SortStableFunc(ordered, func(a, b *Server) int { // builtin names first
		if a.Builtin == b.Builtin {
			return 0
		}
		if a.Builtin {
			return -1
		}
		return 1
	})
	for _, s := range ordered {
		for _, mt := range s.Tools {
			name := sanitizeName(mt.Name)
			if !s.Builtin && (opts.Prefix || c.byName[name] != nil) {
				name = sanitizeName(s.Name + "__" + mt.Name)
			}
			for i := 2; c.byName[name] != nil; i++ {
				name = sanitizeName(fmt.Sprintf("%s_%d", name, i))
			}
			if !keep(opts, name, mt.Name, s.Name+"__"+mt.Name) {
				continue
			}
			t, err := newTool(name, s, mt)
			if err != nil {
				c.Skipped = append(c.Skipped, err)
				continue
			}
			c.tools = append(c.tools, t)
			c.byName[name] = t
		}
	}
	return c, nil
}

func keep(opts CatalogOptions, names ...string) bool {
	match := func(globs []string) bool {
		for _, g := range globs {
			for _, n := range names {
				if ok, _ := path.Match(g, n); ok {
					return true
				}
			}
		}
		return false
	}
	if len(opts.Include) > 0 && !match(opts.Include) {
		return false
	}
	return !match(opts.Exclude)
}

// sanitizeName maps a name onto ^[a-zA-Z0-9_-]{1,64}$: other characters
// become '_', and a name too long is cut and given a short hash so that two
// long names stay apart.
func sanitizeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		s = "tool"
	}
	if len(s) > 64 {
		sum := sha256.Sum256([]byte(name))
		s = s[:55] + "_" + hex.EncodeToString(sum[:4])
	}
	return s
}

func newTool(name string, s *Server, mt mcp.Tool) (*Tool, error) {
	raw, err := inputSchema(mt)
	if err != nil {
		return nil, fmt.Errorf("tool %s of %s: %w", mt.Name, s.Name, err)
	}
	params, err := cleanSchema(raw)
	if err != nil {
		return nil, fmt.Errorf("tool %s of %s: %w", mt.Name, s.Name, err)
	}
	t := &Tool{Name: name, Server: s, MCP: mt, Params: params}
	t.ReadOnly = mt.Annotations.ReadOnlyHint != nil && *mt.Annotations.ReadOnlyHint
	if t.schema, err = compileSchema(name, params); err != nil {
		return nil, fmt.Errorf("tool %s of %s: input schema: %w", mt.Name, s.Name, err)
	}
	return t, nil
}

// inputSchema returns the tool's input schema as JSON.
func inputSchema(mt mcp.Tool) (json.RawMessage, error) {
	if len(mt.RawInputSchema) > 0 {
		return mt.RawInputSchema, nil
	}
	b, err := json.Marshal(mt.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("encode input schema: %w", err)
	}
	return b, nil
}

// cleanSchema removes what function-calling endpoints reject: $schema and
// $id, "required": null, a missing or null properties object, a missing type.
func cleanSchema(raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		m = map[string]any{}
	} else if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("input schema is not a JSON object: %w", err)
	}
	delete(m, "$schema")
	delete(m, "$id")
	if r, ok := m["required"]; ok && (r == nil || len(asSlice(r)) == 0) {
		delete(m, "required")
	}
	if m["type"] == nil {
		m["type"] = "object"
	}
	if p, ok := m["properties"].(map[string]any); !ok || p == nil {
		m["properties"] = map[string]any{}
	}
	return json.Marshal(m)
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func compileSchema(name string, raw json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	url := "mem://tools/" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// Lookup returns the tool with the given function name.
func (c *Catalog) Lookup(name string) (*Tool, bool) {
	t, ok := c.byName[name]
	return t, ok
}

// Names lists the function names, for messages to the model.
func (c *Catalog) Names() []string {
	out := make([]string, len(c.tools))
	for i, t := range c.tools {
		out[i] = t.Name
	}
	return out
}

// FunctionTools returns the tools array sent to the model.
func (c *Catalog) FunctionTools() []glm.Tool {
	out := make([]glm.Tool, 0, len(c.tools))
	for _, t := range c.tools {
		out = append(out, functionTool(t))
	}
	return out
}

// Validate checks arguments against the tool's input schema. It returns a
// message for the model, or "" when they are valid: one line per problem,
// naming the argument and the rule ("offset must be at least 1, got 0"),
// then the schema.
func (t *Tool) Validate(args any) string {
	err := t.schema.Validate(args)
	if err == nil {
		return ""
	}
	return fmt.Sprintf("invalid arguments for %s: %s\nSchema: %s", t.Name, describeSchemaError(err), t.Params)
}

func functionTool(t *Tool) glm.Tool {
	desc := t.MCP.Description
	if desc == "" {
		desc = t.MCP.Title
	}
	return glm.Tool{Type: "function", Function: glm.Function{Name: t.Name, Description: desc, Parameters: t.Params}}
}
