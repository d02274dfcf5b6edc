package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"
)

const toolsSynopsis = `tools [--format mcp|openai] [toolkit flags] [--mcp-config FILE] [--tools GLOB] [--exclude-tools GLOB]

Prints the tool catalogue. --format mcp: what serve offers with the same flags,
as the JSON of an MCP tools/list result. --format openai: exactly the "tools"
array ask sends to the model (external servers from --mcp-config included).`

func (a *app) tools(ctx context.Context, args []string) error {
	var cfg toolkitConfig
	var bc bridgeConfig
	var fc fileConfig
	var format string
	fs := a.newFlagSet("tools", toolsSynopsis)
	cfg.register(fs)
	bc.register(fs)
	fc.register(fs)
	fs.StringVar(&format, "format", "mcp", "output format: mcp (a tools/list result) or openai (the tools array sent to the model)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := a.applyConfig(fs, &fc); err != nil {
		return err
	}
	bc.fileServers = fc.servers(a.getenv)
	if bc.MCPConfig != "" && format != "openai" {
		// serve offers only glm-mcp's own tools, but a file named here must
		// still be there and well formed, not silently ignored.
		if _, err := readMCPConfig(bc.MCPConfig, a.getenv); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	switch format {
	case "mcp":
	case "openai":
		sess, err := a.openTools(ctx, &cfg, &bc, zerolog.Nop(), func(err error) { fmt.Fprintf(a.stderr, "glm-mcp tools: %v\n", err) })
		if err != nil {
			return err
		}
		defer sess.Close()
		return enc.Encode(sess.Catalog.FunctionTools())
	default:
		return usageError("unknown --format %q (mcp or openai)", format)
	}
	kits, err := cfg.build(ctx, zerolog.Nop())
	if err != nil {
		return err
	}
	defer kits.Close()
	list := mcp.ListToolsResult{Tools: []mcp.Tool{}}
	for _, kit := range kits.kits {
		for _, t := range kit.Tools() {
			list.Tools = append(list.Tools, t.Def)
		}
	}
	return enc.Encode(list)
}
