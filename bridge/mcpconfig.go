package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// ServerConfig is one entry of an mcpServers file, the format Claude Desktop
// and most editors use: a stdio command, or a Streamable HTTP url.
type ServerConfig struct {
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// MCPConfig is a parsed mcpServers file.
type MCPConfig struct {
	Servers map[string]ServerConfig `json:"mcpServers"`
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ParseMCPConfig parses an mcpServers file and expands ${VAR} in commands,
// arguments, environment values, URLs and headers with getenv.
func ParseMCPConfig(data []byte, getenv func(string) string) (*MCPConfig, error) {
	var cfg MCPConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("parse mcpServers file: %w", err)
	}
	if cfg.Servers == nil {
		return nil, errors.New(`parse mcpServers file: no "mcpServers" object`)
	}
	expand := func(s string) string {
		return envRef.ReplaceAllStringFunc(s, func(m string) string { return getenv(m[2 : len(m)-1]) })
	}
	for name, sc := range cfg.Servers {
		if (sc.Command == "") == (sc.URL == "") {
			return nil, fmt.Errorf("mcpServers %q: give either command or url", name)
		}
		sc.Command, sc.URL = expand(sc.Command), expand(sc.URL)
		for i := range sc.Args {
			sc.Args[i] = expand(sc.Args[i])
		}
		for k, v := range sc.Env {
			sc.Env[k] = expand(v)
		}
		for k, v := range sc.Headers {
			sc.Headers[k] = expand(v)
		}
		cfg.Servers[name] = sc
	}
	return &cfg, nil
}

// Connect starts (or reaches) one server, initializes it and lists its tools,
// all within timeout. A stdio server gets exactly baseEnv plus its own env
// entries: the caller decides what of its environment to pass on (glm-mcp
// leaves out the model's API key variables).
func Connect(ctx context.Context, name string, sc ServerConfig, baseEnv []string, timeout time.Duration) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var c *client.Client
	var err error
	if sc.URL != "" {
		c, err = client.NewStreamableHttpClient(sc.URL, transport.WithHTTPHeaders(sc.Headers))
		if err == nil {
			if err = c.Start(ctx); err != nil {
				c.Close()
			}
		}
	} else {
		env := slices.Clone(baseEnv)
		for _, k := range sortedKeys(sc.Env) {
			env = append(env, k+"="+sc.Env[k])
		}
		c, err = client.NewStdioMCPClientWithOptions(sc.Command, env, sc.Args, transport.WithCommandFunc(
			func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
				cmd := exec.CommandContext(ctx, command, args...)
				// Exactly what the caller chose, never this process's whole
				// environment (which a nil Env would mean).
				cmd.Env = append([]string{}, env...)
				return cmd, nil
			}))
	}
	if err != nil {
		return nil, fmt.Errorf("start MCP server %s: %w", name, err)
	}
	s, err := initialize(ctx, name, c)
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("MCP server %s did not answer within %s: %w", name, timeout, err)
		}
		return nil, err
	}
	return s, nil
}

// NewServer initializes an already created client (for example mcp-go's
// in-process client over glm-mcp's own toolkits) and lists its tools.
func NewServer(ctx context.Context, name string, c *client.Client, builtin bool) (*Server, error) {
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("start MCP client %s: %w", name, err)
	}
	s, err := initialize(ctx, name, c)
	if err != nil {
		c.Close()
		return nil, err
	}
	s.Builtin = builtin
	return s, nil
}

func initialize(ctx context.Context, name string, c *client.Client) (*Server, error) {
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "glm-mcp", Version: "bridge"}
	if _, err := c.Initialize(ctx, req); err != nil {
		return nil, fmt.Errorf("initialize MCP server %s: %w", name, err)
	}
	s := &Server{Name: name, Client: c}
	var cursor mcp.Cursor
	for page := 0; page < 100; page++ {
		lreq := mcp.ListToolsRequest{}
		lreq.Params.Cursor = cursor
		res, err := c.ListTools(ctx, lreq)
		if err != nil {
			return nil, fmt.Errorf("list tools of MCP server %s: %w", name, err)
		}
		s.Tools = append(s.Tools, res.Tools...)
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	return s, nil
}

// ConnectAll connects every server of cfg at once. A server that fails is
// reported in errs; the others still serve. Servers come back sorted by name.
func ConnectAll(ctx context.Context, cfg *MCPConfig, baseEnv []string, timeout time.Duration) (servers []*Server, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, sc := range cfg.Servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Connect(ctx, name, sc, baseEnv, timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			servers = append(servers, s)
		}()
	}
	wg.Wait()
	slices.SortFunc(servers, func(a, b *Server) int { return cmpString(a.Name, b.Name) })
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return servers, errs
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
