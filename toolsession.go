package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/mcpserver"
)

// bridgeConfig holds the flags that choose which tools the model is offered.
type bridgeConfig struct {
	// fileServers are the configuration file's [mcp_servers]; --mcp-config's
	// servers of the same name win.
	fileServers  map[string]bridge.ServerConfig
	MCPConfig    string
	MCPTimeout   time.Duration
	Tools        stringList
	ExcludeTools stringList
	PrefixTools  bool
}

func (c *bridgeConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.MCPConfig, "mcp-config", "", "an mcpServers JSON file (the format Claude Desktop uses) of external MCP servers to attach")
	fs.DurationVar(&c.MCPTimeout, "mcp-timeout", 30*time.Second, "how long an external MCP server may take to start and list its tools")
	fs.Var(&c.Tools, "tools", "offer only tools matching this glob (repeatable, or comma-separated)")
	fs.Var(&c.ExcludeTools, "exclude-tools", "never offer tools matching this glob (repeatable, or comma-separated)")
	fs.BoolVar(&c.PrefixTools, "prefix-tools", false, "name every external tool SERVER__TOOL")
}

// toolSession is every MCP server a run talks to, and the catalogue of their tools.
type toolSession struct {
	kits    *openedToolkits
	servers []*bridge.Server
	Catalog *bridge.Catalog
}

// Close stops the external servers and releases the toolkits.
func (s *toolSession) Close() {
	for _, srv := range s.servers {
		srv.Client.Close()
	}
	if s.kits != nil {
		s.kits.Close()
	}
}

// openTools builds glm-mcp's own toolkits behind an in-process MCP client,
// connects the external servers, and makes the catalogue. A server that fails
// to start is reported on warn and left out; the others still serve.
func (a *app) openTools(ctx context.Context, tk *toolkitConfig, bc *bridgeConfig, logger zerolog.Logger, warn func(error)) (*toolSession, error) {
	kits, err := tk.build(ctx, logger)
	if err != nil {
		return nil, err
	}
	sess := &toolSession{kits: kits}
	if len(kits.kits) > 0 {
		srv, err := mcpserver.New(kits.kits, mcpserver.Options{Name: "glm-mcp", Version: buildVersion(), Logger: logger})
		if err != nil {
			sess.Close()
			return nil, err
		}
		c, err := client.NewInProcessClient(srv)
		if err != nil {
			sess.Close()
			return nil, fmt.Errorf("in-process MCP client: %w", err)
		}
		own, err := bridge.NewServer(ctx, "glm-mcp", c, true) // closes c on failure
		if err != nil {
			sess.Close()
			return nil, err
		}
		sess.servers = append(sess.servers, own)
	}
	if bc.MCPConfig != "" || len(bc.fileServers) > 0 {
		cfg := &bridge.MCPConfig{Servers: map[string]bridge.ServerConfig{}}
		maps.Copy(cfg.Servers, bc.fileServers)
		if bc.MCPConfig != "" {
			fromFile, err := readMCPConfig(bc.MCPConfig, a.getenv)
			if err != nil {
				sess.Close()
				return nil, err
			}
			maps.Copy(cfg.Servers, fromFile.Servers)
		}
		external, errs := bridge.ConnectAll(ctx, cfg, a.childEnv(), bc.MCPTimeout)
		for _, err := range errs {
			warn(err)
		}
		sess.servers = append(sess.servers, external...)
	}
	sess.Catalog, err = bridge.NewCatalog(sess.servers, bridge.CatalogOptions{
		Include: splitGlobs(bc.Tools), Exclude: splitGlobs(bc.ExcludeTools), Prefix: bc.PrefixTools,
	})
	if err != nil {
		sess.Close()
		return nil, usageError("%v", err)
	}
	for _, err := range sess.Catalog.Skipped {
		warn(fmt.Errorf("%w (the tool is left out)", err))
	}
	return sess, nil
}

// readMCPConfig reads and checks an mcpServers file.
func readMCPConfig(path string, getenv func(string) string) (*bridge.MCPConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError("--mcp-config: %v", err)
	}
	cfg, err := bridge.ParseMCPConfig(data, getenv)
	if err != nil {
		return nil, usageError("--mcp-config %s: %v", path, err)
	}
	return cfg, nil
}

// childEnv is the environment external MCP servers start with: this
// process's, less every provider's API key variable (and --api-key-env's),
// which third-party servers have no business seeing. A server's own "env"
// entries in the mcpServers file can still pass a key on deliberately.
func (a *app) childEnv() []string {
	secret := map[string]bool{}
	for _, p := range glm.Profiles() {
		secret[p.KeyEnv] = true
	}
	if a.keyEnv != "" {
		secret[a.keyEnv] = true
	}
	var out []string
	if a.environ == nil {
		return nil
	}
	for _, kv := range a.environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !secret[name] {
			out = append(out, kv)
		}
	}
	return out
}

// splitGlobs accepts repeated flags and comma-separated lists alike.
func splitGlobs(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, g := range strings.Split(v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				out = append(out, g)
			}
		}
	}
	return out
}
