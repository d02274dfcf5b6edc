package main

import (
	"context"
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"
)

const toolsSynopsis = `tools [--format mcp] [--root DIR]... [--toolkits LIST]

Prints the tool catalogue that serve would offer with the same flags, as the
JSON of an MCP tools/list result.`

func (a *app) tools(ctx context.Context, args []string) error {
	var cfg toolkitConfig
	var format string
	fs := a.newFlagSet("tools", toolsSynopsis)
	cfg.register(fs)
	fs.StringVar(&format, "format", "mcp", "output format: mcp (a tools/list result)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if format != "mcp" {
		return usageError("unknown --format %q (mcp)", format)
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
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}
