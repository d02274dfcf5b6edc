package main

import (
	"context"

	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// serveConfig is the configuration of `glm-mcp serve`.
type serveConfig struct {
	toolkitConfig
	logConfig
	HTTPAddr     string
	HTTPTokenEnv string
	token        string // the value of $HTTPTokenEnv; never logged
}

const serveSynopsis = `serve [--root DIR]... [--toolkits files,sqlite,http] [--http ADDR [--http-token-env VAR]]
       [--log-level LEVEL] [--log-format json|console]

Serves the toolkits over MCP: newline-delimited JSON-RPC on stdin/stdout (what
editors spawn), or Streamable HTTP at http://ADDR/mcp with --http. Logs go to stderr.`

// parseServe reads serve's flags into a validated configuration.
func (a *app) parseServe(args []string) (serveConfig, error) {
	var cfg serveConfig
	fs := a.newFlagSet("serve", serveSynopsis)
	cfg.toolkitConfig.register(fs)
	fs.StringVar(&cfg.Level, "log-level", "info", "log level: debug, info, warn, error, disabled")
	fs.StringVar(&cfg.Format, "log-format", "console", "log format on stderr: json or console")
	fs.StringVar(&cfg.HTTPAddr, "http", "", "serve Streamable HTTP on ADDR (host:port) instead of stdio")
	fs.StringVar(&cfg.HTTPTokenEnv, "http-token-env", "", "environment variable holding the bearer token HTTP clients must send (required off loopback)")
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageError("unexpected argument %q", fs.Arg(0))
	}
	if cfg.HTTPTokenEnv != "" {
		if cfg.HTTPAddr == "" {
			return cfg, usageError("--http-token-env needs --http")
		}
		if cfg.token = a.getenv(cfg.HTTPTokenEnv); cfg.token == "" {
			return cfg, usageError("--http-token-env names %s, but it is empty or unset", cfg.HTTPTokenEnv)
		}
	}
	if cfg.HTTPAddr != "" && cfg.token == "" && !mcpserver.IsLoopbackAddr(cfg.HTTPAddr) {
		return cfg, usageError("%v", mcpserver.ErrTokenRequired)
	}
	if _, err := cfg.enabled(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (a *app) serve(ctx context.Context, args []string) error {
	cfg, err := a.parseServe(args)
	if err != nil {
		return err
	}
	logger, err := cfg.newLogger(a.stderr)
	if err != nil {
		return err
	}

	kits, err := cfg.build(ctx, logger)
	if err != nil {
		return err
	}
	defer kits.Close()
	srv, err := mcpserver.New(kits.kits, mcpserver.Options{Name: "glm-mcp", Version: buildVersion(), Logger: logger})
	if err != nil {
		return err
	}
	if cfg.HTTPAddr != "" {
		return mcpserver.ServeHTTP(ctx, srv, mcpserver.HTTPOptions{Addr: cfg.HTTPAddr, Token: cfg.token}, logger)
	}
	return mcpserver.ServeStdio(ctx, srv, a.stdin, a.stdout, logger)
}
