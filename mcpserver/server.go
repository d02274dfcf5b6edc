// Package mcpserver builds the glm-mcp MCP server from toolkits and serves it
// over stdio or Streamable HTTP. It knows nothing toolkit-specific: it adds
// each toolkit's tools and resource templates, checks every call's
// arguments against the tool's input schema (answering in words), and wraps
// every call in logging and panic recovery. Its stdio transport bounds each
// message, cancels calls the client cancels, and ends promptly after stdin
// closes; nothing it writes is HTML-escaped.
package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// Options configures the server.
type Options struct {
	// Name and Version are announced to clients in the initialize result.
	Name    string
	Version string
	// Instructions tell a client's model how to use the server (optional).
	Instructions string
	// Logger receives one line per call; zerolog.Nop() when zero.
	Logger zerolog.Logger
	// ToolMiddleware wraps every tool call, outermost first, outside logging
	// and recovery (metrics use it to see every call and its outcome).
	ToolMiddleware []server.ToolHandlerMiddleware
	// Hooks, when set, receives the server's lifecycle hooks (sessions) in
	// addition to the ones mcpserver registers itself.
	Hooks *server.Hooks
}

// New returns an MCP server hosting every tool and resource template of kits.
// It fails when two toolkits offer a tool of the same name.
func New(kits []toolkits.Toolkit, opts Options) (*server.MCPServer, error) {
	if opts.Name == "" {
		opts.Name = "glm-mcp"
	}
	seen := map[string]string{}
	var tools []server.ServerTool
	var templates []server.ServerResourceTemplate
	for _, kit := range kits {
		for _, t := range kit.Tools() {
			if other, dup := seen[t.Def.Name]; dup {
				return nil, fmt.Errorf("tool %q offered by both %s and %s toolkits", t.Def.Name, other, kit.Name())
			}
			seen[t.Def.Name] = kit.Name()
			def, err := withRawInputSchema(t.Def)
			if err != nil {
				return nil, err
			}
			tools = append(tools, server.ServerTool{Tool: def, Handler: server.ToolHandlerFunc(t.Handler)})
		}
		if rp, ok := kit.(toolkits.ResourceProvider); ok {
			for _, rt := range rp.ResourceTemplates() {
				templates = append(templates, server.ServerResourceTemplate{Template: rt.Def, Handler: server.ResourceTemplateHandlerFunc(rt.Handler)})
			}
		}
	}
	args, err := newArgValidator(tools)
	if err != nil {
		return nil, err
	}
	roots := newClientRoots(opts.Logger)
	hooks := opts.Hooks
	if hooks == nil {
		hooks = &server.Hooks{}
	}
	hooks.AddOnUnregisterSession(func(_ context.Context, s server.ClientSession) { roots.forget(s.SessionID()) })
	serverOpts := []server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithHooks(hooks),
	}
	for _, mw := range opts.ToolMiddleware {
		serverOpts = append(serverOpts, server.WithToolHandlerMiddleware(mw))
	}
	serverOpts = append(serverOpts,
		// Inside ToolMiddleware, outside the rest: it logs the outcome of
		// every call, including panics turned into errors by recovery.
		server.WithToolHandlerMiddleware(logCalls(opts.Logger)),
		server.WithToolHandlerMiddleware(recoverPanics(opts.Logger)),
		// Inside logging, so refused arguments are logged as tool_error.
		server.WithToolHandlerMiddleware(args.middleware),
		server.WithToolHandlerMiddleware(roots.middleware),
	)
	if len(templates) > 0 {
		serverOpts = append(serverOpts, server.WithResourceCapabilities(false, false), server.WithResourceRecovery())
	}
	if opts.Instructions != "" {
		serverOpts = append(serverOpts, server.WithInstructions(opts.Instructions))
	}
	s := server.NewMCPServer(opts.Name, opts.Version, serverOpts...)
	roots.attach(s)
	if len(tools) > 0 {
		s.AddTools(tools...)
	}
	if len(templates) > 0 {
		s.AddResourceTemplates(templates...)
	}
	return s, nil
}

// withRawInputSchema encodes a tool's input schema once, for the argument
// validator to compile and for tools/list to send as it is.
func withRawInputSchema(t mcp.Tool) (mcp.Tool, error) {
	if len(t.RawInputSchema) > 0 {
		return t, nil
	}
	raw, err := json.Marshal(t.InputSchema)
	if err != nil {
		return t, fmt.Errorf("encode input schema of %s: %w", t.Name, err)
	}
	t.RawInputSchema, t.InputSchema = raw, mcp.ToolInputSchema{}
	return t, nil
}

// zerologWriter adapts a zerolog.Logger to the standard library's log.Logger
// (net/http's ErrorLog uses it).
type zerologWriter struct{ l zerolog.Logger }

func (w zerologWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	w.l.Error().Msg(msg)
	return len(p), nil
}
