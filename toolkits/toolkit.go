// Package toolkits defines the small interface every glm-mcp toolkit implements
// and the result helpers they share. A toolkit is a named set of MCP tools; it
// depends only on mcp-go's mcp package, so it can be served by mcpserver, called
// in process by the bridge, or used directly as a Go library.
package toolkits

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
)

// Handler runs one tool call. Errors the model can fix come back as a result
// with IsError set (see Errorf); a returned Go error means an infrastructure
// fault and becomes a JSON-RPC error.
type Handler func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error)

// Tool pairs an MCP tool definition with the handler that serves it.
type Tool struct {
	Def     mcp.Tool
	Handler Handler
}

// Toolkit is a named set of tools.
type Toolkit interface {
	// Name is the toolkit's short name as used by --toolkits (files, sqlite, http).
	Name() string
	// Tools lists the toolkit's tools in a stable order.
	Tools() []Tool
}

// ResourceTemplate pairs an MCP resource template with its read handler.
type ResourceTemplate struct {
	Def     mcp.ResourceTemplate
	Handler func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error)
}

// ResourceProvider is implemented by toolkits that also serve resource templates.
type ResourceProvider interface {
	ResourceTemplates() []ResourceTemplate
}

// Result returns a successful tool result whose structured content is v and
// whose text block is v encoded as JSON, as the MCP spec asks of tools that
// declare an output schema.
func Result(v any) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(string(b))},
		StructuredContent: v,
	}, nil
}

// ResultWithText returns a successful tool result with structured content v and
// a text block written for a model to read (a table, say) instead of raw JSON.
func ResultWithText(v any, text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(text)},
		StructuredContent: v,
	}
}

// Errorf returns a tool result with IsError set: the message should say what
// was wrong and what the model can do instead.
func Errorf(format string, args ...any) *mcp.CallToolResult {
	return &mcp.CallToolResult{
		Content: []mcp.Content{mcp.NewTextContent(fmt.Sprintf(format, args...))},
		IsError: true,
	}
}

// Bind decodes the call's arguments into dst (a pointer to a struct with json
// tags). A decoding failure is returned as an IsError result naming the problem.
func Bind(req mcp.CallToolRequest, dst any) *mcp.CallToolResult {
	if err := req.BindArguments(dst); err != nil {
		return Errorf("invalid arguments for %s: %v; check the argument names and types against the tool's input schema", req.Params.Name, err)
	}
	return nil
}

// Bool returns a pointer to b, for the annotation hints mcp-go takes as *bool.
func Bool(b bool) *bool { return &b }

// Annotations returns explicit hints for a tool. mcp-go's defaults claim a tool
// is destructive and open-world, so every glm-mcp tool sets all four.
func Annotations(title string, readOnly, destructive, idempotent, openWorld bool) mcp.ToolAnnotation {
	return mcp.ToolAnnotation{
		Title:           title,
		ReadOnlyHint:    Bool(readOnly),
		DestructiveHint: Bool(destructive),
		IdempotentHint:  Bool(idempotent),
		OpenWorldHint:   Bool(openWorld),
	}
}

type clientRootsKey struct{}

// WithClientRoots returns ctx carrying the roots the MCP client offered, as
// absolute local paths. Toolkits that read local files use them to narrow,
// never widen, what they may touch.
func WithClientRoots(ctx context.Context, roots []string) context.Context {
	return context.WithValue(ctx, clientRootsKey{}, roots)
}

// ClientRoots returns the client's roots, and whether the client offered any.
func ClientRoots(ctx context.Context) ([]string, bool) {
	roots, ok := ctx.Value(clientRootsKey{}).([]string)
	return roots, ok
}
