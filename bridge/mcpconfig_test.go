package bridge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// serverModeVar makes the test binary act as an MCP server over stdio
// (see TestMain), so that Connect starts a real child process.
const serverModeVar = "BRIDGE_TEST_MCP_SERVER"

func TestMain(m *testing.M) {
	switch os.Getenv(serverModeVar) {
	case "":
		os.Exit(m.Run())
	case "serve":
		if err := server.ServeStdio(testMCPServer()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "exit":
		fmt.Fprintln(os.Stderr, "refusing to serve")
		os.Exit(3)
	}
}

// testMCPServer serves "environ", which returns the process environment,
// one variable a line, and "shout", which upper-cases its text.
func testMCPServer() *server.MCPServer {
	s := server.NewMCPServer("bridge-test", "1")
	s.AddTool(mcp.NewTool("environ", mcp.WithDescription("the environment"), mcp.WithReadOnlyHintAnnotation(true)),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(strings.Join(os.Environ(), "\n")), nil
		})
	s.AddTool(mcp.NewTool("shout", mcp.WithString("text", mcp.Required()), mcp.WithReadOnlyHintAnnotation(true)),
		func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(strings.ToUpper(req.GetString("text", ""))), nil
		})
	return s
}

func selfCommand(t *testing.T, mode string) ServerConfig {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return ServerConfig{Command: exe, Env: map[string]string{serverModeVar: mode}}
}

func TestParseMCPConfig(t *testing.T) {
	env := map[string]string{"TOKEN": "s3cret", "DIR": "/srv"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		in      string
		wantErr string
		check   func(t *testing.T, c *MCPConfig)
	}{
		{name: "stdio and url with ${VAR}", in: `{"mcpServers":{
			"fs":{"command":"${DIR}/fs","args":["--root","${DIR}/data","$DIR"],"env":{"KEY":"${TOKEN}","MISSING":"x${NOPE}y"}},
			"web":{"url":"http://127.0.0.1:1/${DIR}","headers":{"Authorization":"Bearer ${TOKEN}"}}}}`,
			check: func(t *testing.T, c *MCPConfig) {
				fs, web := c.Servers["fs"], c.Servers["web"]
				if fs.Command != "/srv/fs" || !slices.Equal(fs.Args, []string{"--root", "/srv/data", "$DIR"}) {
					t.Errorf("fs = %+v", fs)
				}
				if fs.Env["KEY"] != "s3cret" || fs.Env["MISSING"] != "xy" {
					t.Errorf("fs env = %v", fs.Env)
				}
				if web.URL != "http://127.0.0.1:1//srv" || web.Headers["Authorization"] != "Bearer s3cret" {
					t.Errorf("web = %+v", web)
				}
			}},
		{name: "empty object of servers", in: `{"mcpServers":{}}`, check: func(t *testing.T, c *MCPConfig) {
			if len(c.Servers) != 0 {
				t.Errorf("servers = %v", c.Servers)
			}
		}},
		{name: "not JSON", in: `{"mcpServers":`, wantErr: "parse mcpServers file"},
		{name: "no mcpServers key", in: `{"servers":{}}`, wantErr: `no "mcpServers" object`},
		{name: "both command and url", in: `{"mcpServers":{"x":{"command":"a","url":"http://b"}}}`, wantErr: `mcpServers "x": give either command or url`},
		{name: "neither command nor url", in: `{"mcpServers":{"x":{"args":["a"]}}}`, wantErr: `mcpServers "x": give either command or url`},
		{name: "wrong type", in: `{"mcpServers":{"x":{"command":5}}}`, wantErr: "parse mcpServers file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseMCPConfig([]byte(tc.in), getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestConnect_Failures(t *testing.T) {
	tests := []struct {
		name    string
		sc      ServerConfig
		wantErr string
	}{
		{"missing command", ServerConfig{Command: "/nonexistent/glm-mcp-test-server"}, "MCP server broken"},
		{"server that exits", selfCommand(t, "exit"), "MCP server broken"},
		{"nothing listens at the url", ServerConfig{URL: "http://" + closedPort(t) + "/mcp"}, "MCP server broken"},
		{"url that is not a url", ServerConfig{URL: "://nope"}, "MCP server broken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Connect(context.Background(), "broken", tc.sc, nil, 20*time.Second)
			if err == nil {
				s.Client.Close()
				t.Fatal("Connect succeeded")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to name the server (%q)", err, tc.wantErr)
			}
		})
	}
}

func TestConnect_StdioGetsOnlyTheGivenEnvironment(t *testing.T) {
	t.Setenv("GLM_API_KEY_FOR_TEST", "must-not-leak")
	sc := selfCommand(t, "serve")
	sc.Env["EXTRA"] = "from-config"
	s, err := Connect(context.Background(), "self", sc, []string{"BASE=1"}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Client.Close()
	var names []string
	for _, tl := range s.Tools {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "environ,shout" {
		t.Fatalf("tools = %v", names)
	}
	cat, err := NewCatalog([]*Server{s}, CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Catalog: cat}
	got, isErr := r.Execute(context.Background(), call("c1", "environ", `{}`))
	if isErr {
		t.Fatalf("environ failed: %s", got)
	}
	env := strings.Split(got, "\n")
	slices.Sort(env)
	want := []string{"BASE=1", serverModeVar + "=serve", "EXTRA=from-config"}
	slices.Sort(want)
	if !slices.Equal(env, want) {
		t.Errorf("the child's environment is %q, want exactly %q", env, want)
	}
}

func TestConnectAll(t *testing.T) {
	httpSrv := server.NewStreamableHTTPServer(testMCPServer())
	ts := httptest.NewServer(httpSrv)
	defer ts.Close()
	cfg := &MCPConfig{Servers: map[string]ServerConfig{
		"b-stdio": selfCommand(t, "serve"),
		"a-http":  {URL: ts.URL + "/mcp"},
		"c-gone":  {Command: "/nonexistent/glm-mcp-test-server"},
		"d-dead":  {URL: "http://" + closedPort(t) + "/mcp"},
	}}
	servers, errs := ConnectAll(context.Background(), cfg, nil, 30*time.Second)
	defer func() {
		for _, s := range servers {
			s.Client.Close()
		}
	}()
	if len(servers) != 2 || servers[0].Name != "a-http" || servers[1].Name != "b-stdio" {
		t.Fatalf("servers = %v, want a-http and b-stdio in order", serverNames(servers))
	}
	joined := fmt.Sprint(errs)
	if len(errs) != 2 || !strings.Contains(joined, "MCP server c-gone") || !strings.Contains(joined, "MCP server d-dead") {
		t.Fatalf("errs = %v, want one for c-gone and one for d-dead", errs)
	}
	cat, err := NewCatalog(servers, CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The same tool names from two external servers: the second is prefixed.
	if got := strings.Join(cat.Names(), ","); got != "environ,shout,b-stdio__environ,b-stdio__shout" {
		t.Fatalf("names = %s", got)
	}
	r := &Runner{Catalog: cat}
	for _, name := range []string{"shout", "b-stdio__shout"} {
		if got, isErr := r.Execute(context.Background(), call("c", name, `{"text":"quiet <&> \"x\""}`)); isErr || got != `QUIET <&> "X"` {
			t.Errorf("%s = %q (error %v); want the text as the server sent it", name, got, isErr)
		}
	}
}

func serverNames(ss []*Server) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func TestNewServer_InProcess(t *testing.T) {
	c, err := client.NewInProcessClient(testMCPServer())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(context.Background(), "own", c, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Client.Close()
	if !s.Builtin || len(s.Tools) != 2 {
		t.Fatalf("server = %+v", s)
	}
}

func TestRunner_Execute(t *testing.T) {
	ft := &fakeTools{tools: []mcp.Tool{echoTool("echo", true), echoTool("write", false), echoTool("slow", true), echoTool("fails", true)},
		call: func(ctx context.Context, name string, args map[string]any) (*mcp.CallToolResult, error) {
			switch name {
			case "slow":
				<-ctx.Done()
				return nil, ctx.Err()
			case "fails":
				return nil, errors.New("connection reset")
			}
			return mcp.NewToolResultText(strings.Repeat(args["text"].(string), 3)), nil
		}}
	approveAll := func(context.Context, *Tool, string) (bool, string) { return true, "" }
	declineAll := func(_ context.Context, tl *Tool, _ string) (bool, string) {
		return false, "not run: the user declined " + tl.Name
	}
	tests := []struct {
		name      string
		r         Runner
		call      glm.ToolCall
		want      string
		wantError bool
	}{
		{"runs, whole even past the cut", Runner{MaxToolOutput: 4}, call("1", "echo", `{"text":"ab"}`), "ababab", false},
		{"unknown tool", Runner{}, call("2", "nope", `{}`), `unknown tool "nope"; the available tools are: echo, write, slow, fails`, true},
		{"bad arguments", Runner{}, call("3", "echo", `{}`), `invalid arguments for echo: missing required argument "text"`, true},
		{"not read-only without approver", Runner{}, call("4", "write", `{"text":"x"}`), "needs the user's approval", true},
		{"approved", Runner{Approve: approveAll}, call("5", "write", `{"text":"x"}`), "xxx", false},
		{"declined", Runner{Approve: declineAll}, call("6", "write", `{"text":"x"}`), "not run: the user declined write", true},
		{"timeout", Runner{ToolTimeout: time.Millisecond}, call("7", "slow", `{"text":"x"}`), "did not finish within 1ms", true},
		{"transport failure", Runner{}, call("8", "fails", `{"text":"x"}`), "the tool failed: connection reset", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			r.Catalog = newCatalog(t, ft)
			before := r
			got, isErr := r.Execute(context.Background(), tc.call)
			if !strings.HasPrefix(got, tc.want) && !strings.Contains(got, tc.want) || isErr != tc.wantError {
				t.Errorf("Execute = %q, %v; want %q, %v", got, isErr, tc.want, tc.wantError)
			}
			if r.MaxSteps != before.MaxSteps || r.ToolTimeout != before.ToolTimeout || r.MaxToolOutput != before.MaxToolOutput || r.ToolConcurrency != 0 {
				t.Errorf("Execute changed the Runner: %+v", r)
			}
		})
	}
}
