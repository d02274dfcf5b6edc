package mcpserver

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// logCalls logs one line per tool call: the tool, how long it took and its
// outcome (ok, tool_error for results the model can act on, error for faults).
func logCalls(logger zerolog.Logger) server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			start := time.Now()
			res, err := next(ctx, req)
			if err == nil && res != nil && res.NeedsInput() {
				return res, err // a round that asks the client (roots), not the call's end
			}
			dur := time.Since(start)
			switch {
			case err != nil:
				logger.Error().Str("tool", req.Params.Name).Dur("dur", dur).Str("outcome", "error").Err(err).Msg("tool call")
			case res != nil && res.IsError:
				logger.Info().Str("tool", req.Params.Name).Dur("dur", dur).Str("outcome", "tool_error").Str("detail", firstText(res, 200)).Msg("tool call")
			default:
				logger.Info().Str("tool", req.Params.Name).Dur("dur", dur).Str("outcome", "ok").Msg("tool call")
			}
			return res, err
		}
	}
}

// recoverPanics turns a panic in a tool handler into an error for that call,
// logging the stack, so that no panic ever reaches the client or ends the server.
func recoverPanics(logger zerolog.Logger) server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
			defer func() {
				if r := recover(); r != nil {
					logger.Error().Str("tool", req.Params.Name).Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("tool panicked")
					res, err = nil, fmt.Errorf("internal error in tool %s (a bug in glm-mcp; see the server log)", req.Params.Name)
				}
			}()
			return next(ctx, req)
		}
	}
}

// firstText returns up to n bytes of the result's first text block, for logs.
func firstText(res *mcp.CallToolResult, n int) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return shorten(t.Text, n)
		}
	}
	return ""
}

// shorten cuts s to at most n bytes, on a character boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
