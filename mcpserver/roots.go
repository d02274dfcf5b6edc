package mcpserver

import (
	"context"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// clientRoots asks each client that declares the roots capability for its
// roots once per session (again after notifications/roots/list_changed) and
// hands them to the tools through the context, so toolkits can narrow what
// they touch. An empty list leaves the configured roots as they are.
type clientRoots struct {
	logger zerolog.Logger

	mu      sync.Mutex
	session map[string][]string
}

func newClientRoots(logger zerolog.Logger) *clientRoots {
	return &clientRoots{logger: logger, session: map[string][]string{}}
}

// attach registers the cache's hooks on srv.
func (c *clientRoots) attach(srv *server.MCPServer) {
	srv.AddNotificationHandler(string(mcp.MethodNotificationRootsListChanged), func(ctx context.Context, _ mcp.JSONRPCNotification) {
		if s := server.ClientSessionFromContext(ctx); s != nil {
			c.forget(s.SessionID())
		}
	})
}

func (c *clientRoots) forget(id string) {
	c.mu.Lock()
	delete(c.session, id)
	c.mu.Unlock()
}

// rootsInputID names the roots request in a multi round-trip exchange.
const rootsInputID = "glm-mcp-roots"

// maxCachedSessions bounds the cache; past it the cache starts over.
const maxCachedSessions = 1024

// middleware hands the client's roots to the tool. The first call of a
// session that declares the roots capability answers with an input request
// for roots/list, which mcp-go turns into a roots/list request to the client
// and a second call with the answer. The answer is kept for the session until
// notifications/roots/list_changed.
//
// Sessions on the stateless protocol 2026-07-28 are left unnarrowed: there
// the request would travel as a multi round-trip result, which the official
// Go SDK client (v1.8) fails to decode, so asking would break every call.
func (c *clientRoots) middleware(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		sess, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
		if !ok || sess.GetClientCapabilities().Roots == nil || mcp.IsModernProtocol(server.RequestProtocolVersion(ctx)) {
			return next(ctx, req)
		}
		id := sess.SessionID()
		if res := server.RootsResponse(req.Params.InputResponses, rootsInputID); res != nil {
			c.store(id, localPaths(res.Roots))
		}
		roots, known := c.lookup(id)
		if !known {
			return server.NewInputRequestBuilder("").Roots(rootsInputID).ToolResult(), nil
		}
		if len(roots) > 0 {
			ctx = toolkits.WithClientRoots(ctx, roots)
		}
		return next(ctx, req)
	}
}

func (c *clientRoots) lookup(id string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	roots, ok := c.session[id]
	return roots, ok
}

func (c *clientRoots) store(id string, roots []string) {
	c.logger.Debug().Strs("roots", roots).Msg("client roots")
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.session) >= maxCachedSessions {
		c.session = map[string][]string{}
	}
	if roots == nil {
		roots = []string{}
	}
	c.session[id] = roots
}

// localPaths keeps the file:// roots, as local paths.
func localPaths(roots []mcp.Root) []string {
	var out []string
	for _, r := range roots {
		u, err := url.Parse(r.URI)
		if err != nil || u.Scheme != "file" || u.Path == "" {
			continue
		}
		out = append(out, filepath.Clean(filepath.FromSlash(u.Path)))
	}
	return out
}
