package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// serveConfig is the configuration of `glm-mcp serve`.
type serveConfig struct {
	toolkitConfig
	logConfig
	fileConfig
	HTTPAddr     string
	HTTPTokenEnv string
	HTTPMaxBody  int64
	// Header, body and idle timeouts of HTTP connections.
	HTTPHeaderTimeout, HTTPBodyTimeout, HTTPIdleTimeout time.Duration
	// ShutdownTimeout bounds how long calls in flight may finish after SIGTERM.
	ShutdownTimeout time.Duration
	// DrainDelay: how long to go on serving after SIGTERM, /healthz at 503.
	DrainDelay time.Duration
	token      string // the value of $HTTPTokenEnv; never logged
}

const serveSynopsis = `serve [--root DIR]... [--toolkits files,sqlite,http] [--http ADDR [--http-token-env VAR]]
       [--http-max-body BYTES] [--drain-delay DUR] [--shutdown-timeout DUR] [--log-level LEVEL] [--log-format json|console]
       [--config FILE] [--profile NAME]

Serves the toolkits over MCP: newline-delimited JSON-RPC on stdin/stdout (what
editors spawn), or Streamable HTTP at http://ADDR/mcp with --http, with
GET /healthz (503 while draining) and GET /metrics (Prometheus, behind the
token). On SIGTERM the HTTP server answers 503 at /healthz, goes on serving
for --drain-delay, then stops accepting and lets calls in flight finish.
Logs go to stderr.`

// registerServe adds serve's flags to fs.
func (cfg *serveConfig) registerServe(fs *flag.FlagSet) {
	cfg.toolkitConfig.register(fs)
	cfg.fileConfig.register(fs)
	fs.StringVar(&cfg.Level, "log-level", "info", "log level: debug, info, warn, error, disabled")
	fs.StringVar(&cfg.Format, "log-format", "console", "log format on stderr: json or console")
	fs.StringVar(&cfg.HTTPAddr, "http", "", "serve Streamable HTTP on ADDR (host:port) instead of stdio")
	fs.StringVar(&cfg.HTTPTokenEnv, "http-token-env", "", "environment variable holding the bearer token HTTP clients must send (required off loopback)")
	fs.Int64Var(&cfg.HTTPMaxBody, "http-max-body", mcpserver.DefaultMaxBody, "largest HTTP request body accepted, in bytes (larger: 413)")
	fs.DurationVar(&cfg.DrainDelay, "drain-delay", 0, "on SIGTERM, how long to go on serving with /healthz at 503 before closing the listener (about two health-check intervals of the load balancer)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", mcpserver.DefaultShutdownTimeout, "on SIGTERM, how long HTTP calls in flight may take to finish")
	fs.DurationVar(&cfg.HTTPHeaderTimeout, "http-header-timeout", mcpserver.DefaultReadHeaderTimeout, "time a client has to send a request's headers")
	fs.DurationVar(&cfg.HTTPBodyTimeout, "http-body-timeout", mcpserver.DefaultBodyTimeout, "time a client has to send a request's body, once authorised")
	fs.DurationVar(&cfg.HTTPIdleTimeout, "http-idle-timeout", mcpserver.DefaultIdleTimeout, "how long an idle keep-alive connection is kept")
}

// parseServe reads serve's flags (and the configuration file) into a
// validated configuration.
func (a *app) parseServe(args []string) (serveConfig, error) {
	var cfg serveConfig
	fs := a.newFlagSet("serve", serveSynopsis)
	cfg.registerServe(fs)
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if err := a.applyConfig(fs, &cfg.fileConfig); err != nil {
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
		return cfg, usageError("%v: name its variable with --http-token-env", mcpserver.ErrTokenRequired)
	}
	if cfg.HTTPMaxBody <= 0 {
		return cfg, usageError("--http-max-body must be positive")
	}
	if cfg.DrainDelay < 0 {
		return cfg, usageError("--drain-delay must not be negative")
	}
	if cfg.ShutdownTimeout <= 0 || cfg.HTTPHeaderTimeout <= 0 || cfg.HTTPBodyTimeout <= 0 || cfg.HTTPIdleTimeout <= 0 {
		return cfg, usageError("--shutdown-timeout, --http-header-timeout, --http-body-timeout and --http-idle-timeout must be positive")
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
	opts := mcpserver.Options{Name: "glm-mcp", Version: buildVersion(), Logger: logger}
	var metrics *mcpserver.Metrics
	if cfg.HTTPAddr != "" {
		metrics = mcpserver.NewMetrics()
		opts.Hooks = &server.Hooks{}
		metrics.AddHooks(opts.Hooks)
		opts.ToolMiddleware = []server.ToolHandlerMiddleware{metrics.Middleware()}
	}
	srv, err := mcpserver.New(kits.kits, opts)
	if err != nil {
		return err
	}
	if cfg.HTTPAddr != "" {
		err := mcpserver.ServeHTTP(ctx, srv, mcpserver.HTTPOptions{
			Addr: cfg.HTTPAddr, Token: cfg.token, MaxBody: cfg.HTTPMaxBody, ShutdownTimeout: cfg.ShutdownTimeout, DrainDelay: cfg.DrainDelay,
			ReadHeaderTimeout: cfg.HTTPHeaderTimeout, BodyTimeout: cfg.HTTPBodyTimeout, IdleTimeout: cfg.HTTPIdleTimeout, Metrics: metrics,
		}, logger)
		if errors.Is(err, mcpserver.ErrShutdownTimeout) {
			return fmt.Errorf("%w (raise --shutdown-timeout to wait longer)", err)
		}
		return err
	}
	if a.terminal().IsStdinTTY() {
		fmt.Fprintln(a.stderr, "glm-mcp serve: speaking MCP (JSON-RPC) on stdin and stdout, which is what editors start it for;\n"+
			"  waiting for a client. Ctrl-D ends it. To see the tools: glm-mcp tools; to ask GLM: glm-mcp chat.")
	}
	return mcpserver.ServeStdio(ctx, srv, a.stdin, a.stdout, logger)
}
