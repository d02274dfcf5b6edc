package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// list is a repeatable flag, like main's stringList.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }
func (l *list) IsRepeatable() bool { return true }

// optInt is a custom flag that validates its value, like main's optInt.
type optInt struct{ v *int }

func (o *optInt) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.Itoa(*o.v)
}

func (o *optInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a whole number: %q", s)
	}
	o.v = &n
	return nil
}

// askFlags is a FlagSet shaped like ask's: every kind of flag main uses.
type askFlags struct {
	fs                    *flag.FlagSet
	root, stop            list
	model, provider, db   string
	toolkits, apiKeyEnv   string
	maxSteps              int
	fetchMax              int64
	temperature           float64
	yes, stream           bool
	toolTimeout           time.Duration
	maxTokens             optInt
	config, profile, cont string
}

func newAskFlags() *askFlags {
	a := &askFlags{fs: flag.NewFlagSet("ask", flag.ContinueOnError)}
	fs := a.fs
	fs.Var(&a.root, "root", "")
	fs.Var(&a.stop, "stop", "")
	fs.StringVar(&a.model, "model", "", "")
	fs.StringVar(&a.provider, "provider", "zai", "")
	fs.StringVar(&a.db, "db", "", "")
	fs.StringVar(&a.toolkits, "toolkits", "files,sqlite,http", "")
	fs.StringVar(&a.apiKeyEnv, "api-key-env", "", "")
	fs.IntVar(&a.maxSteps, "max-steps", 20, "")
	fs.Int64Var(&a.fetchMax, "fetch-max-bytes", 10<<20, "")
	fs.Float64Var(&a.temperature, "temperature", 0, "")
	fs.BoolVar(&a.yes, "yes", false, "")
	fs.BoolVar(&a.stream, "stream", true, "")
	fs.DurationVar(&a.toolTimeout, "tool-timeout", time.Minute, "")
	fs.Var(&a.maxTokens, "max-tokens", "")
	fs.StringVar(&a.config, "config", "", "")
	fs.StringVar(&a.profile, "profile", "", "")
	fs.StringVar(&a.cont, "continue", "", "")
	fs.SetOutput(&bytes.Buffer{})
	return a
}

var testOpts = ApplyOptions{
	Known:           map[string]bool{"http": true, "http-token-env": true},
	CommandLineOnly: []string{"config", "profile", "continue"},
}

func resolve(t *testing.T, text, profile string) *Values {
	t.Helper()
	f, err := Parse("c.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Resolve(profile)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApply_Errors(t *testing.T) {
	tests := []struct {
		name string
		text string
		kind error
		want string
	}{
		{name: "unknown key", text: "model = \"m\"\nmax_step = 3\n", kind: ErrUnknownKey,
			want: `c.toml:2: key "max_step": no such setting (keys are the flag names in snake_case, see -h)`},
		{name: "dashed key", text: "\nmax-steps = 3\n", kind: ErrUnknownKey,
			want: `c.toml:2: key "max-steps": keys are snake_case: write max_steps`},
		{name: "unknown key in a profile", text: "[profiles.p]\nmodle = \"x\"\n", kind: ErrUnknownKey,
			want: `c.toml:2: key "profiles.p.modle": no such setting`},
		{name: "string for an integer", text: "max_steps = \"20\"\n", kind: ErrType,
			want: `c.toml:1: key "max_steps": want an integer, got a string`},
		{name: "integer for a string", text: "model = 5\n", kind: ErrType,
			want: `c.toml:1: key "model": want a string, got an integer`},
		{name: "string for a boolean", text: "yes = \"true\"\n", kind: ErrType,
			want: `c.toml:1: key "yes": want a boolean, got a string`},
		{name: "integer for a duration", text: "tool_timeout = 30\n", kind: ErrType,
			want: `c.toml:1: key "tool_timeout": want a duration such as "30s", got an integer`},
		{name: "float for an integer", text: "max_steps = 2.5\n", kind: ErrType,
			want: `c.toml:1: key "max_steps": want an integer, got a float`},
		{name: "array for a single value", text: "toolkits = [\"files\", \"http\"]\n", kind: ErrType,
			want: `c.toml:1: key "toolkits": takes one value, not an array`},
		{name: "bad element in an array", text: "root = [\"/a\", true]\n", kind: ErrType,
			want: `c.toml:1: key "root": want a string or number, got a boolean`},
		{name: "the flag's own refusal", text: "max_tokens = \"lots\"\n", kind: ErrBadValue,
			want: `c.toml:1: key "max_tokens": not a whole number: "lots"`},
		{name: "bad duration", text: "tool_timeout = \"soon\"\n", kind: ErrBadValue,
			want: `c.toml:1: key "tool_timeout": parse error`},
		{name: "command-line only", text: "continue = \"last\"\n", kind: ErrUnknownKey,
			want: `c.toml:1: key "continue": only the command line sets this`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profile := ""
			if strings.Contains(tt.text, "profiles.p") {
				profile = "p"
			}
			v := resolve(t, tt.text, profile)
			a := newAskFlags()
			_, err := Apply(a.fs, v, testOpts)
			if err == nil {
				t.Fatal("Apply accepted the file")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			var e *Error
			if !errors.As(err, &e) || e.Pos.File != "c.toml" || e.Pos.Line == 0 {
				t.Errorf("error %#v has no position", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q; want prefix %q", err, tt.want)
			}
		})
	}
}

func TestApply_Precedence(t *testing.T) {
	text := "model = \"from-file\"\nprovider = \"zai-coding\"\ndb = \"/file.db\"\nmax_steps = 7\nroot = [\"/a\", \"/b\"]\nyes = true\ntemperature = 1\nstream = false\nhttp = \"127.0.0.1:1\"\n"
	a := newAskFlags()
	if err := a.fs.Parse([]string{"--model", "from-flag", "--root", "/cli"}); err != nil {
		t.Fatal(err)
	}
	opts := testOpts
	opts.Env = map[string]string{"db": "GLM_MCP_DB"}
	origins, err := Apply(a.fs, resolve(t, text, ""), opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.model != "from-flag" || strings.Join(a.root, ",") != "/cli" {
		t.Errorf("the file overrode flags: model %q, root %v", a.model, a.root)
	}
	if a.db != "" {
		t.Errorf("the file overrode the environment's db: %q", a.db)
	}
	if a.provider != "zai-coding" || a.maxSteps != 7 || !a.yes || a.temperature != 1 || a.stream {
		t.Errorf("file values not applied: %+v", a)
	}
	if a.toolTimeout != time.Minute || a.fetchMax != 10<<20 {
		t.Errorf("defaults changed: %v %d", a.toolTimeout, a.fetchMax)
	}
	want := map[string]Origin{
		"model": {Source: FromFlag}, "root": {Source: FromFlag}, "db": {Source: FromEnv, Env: "GLM_MCP_DB"},
		"provider": {Source: FromFile, Pos: Position{"c.toml", 2}}, "max-steps": {Source: FromFile, Pos: Position{"c.toml", 4}},
		"tool-timeout": {Source: FromDefault},
	}
	for name, w := range want {
		if origins[name] != w {
			t.Errorf("origin of %s = %+v; want %+v", name, origins[name], w)
		}
	}
	if _, ok := origins["http"]; ok {
		t.Errorf("a key of another command became an origin of this one")
	}
}

func TestApply_Arrays(t *testing.T) {
	a := newAskFlags()
	_, err := Apply(a.fs, resolve(t, "root = [\"/a\", \"/b\", \"/c\"]\nstop = [\"END\"]\n", ""), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.root, "|") != "/a|/b|/c" || strings.Join(a.stop, "|") != "END" {
		t.Errorf("root %v, stop %v", a.root, a.stop)
	}
}

func TestApply_NoFile(t *testing.T) {
	a := newAskFlags()
	origins, err := Apply(a.fs, nil, testOpts)
	if err != nil || origins["model"].Source != FromDefault || a.provider != "zai" {
		t.Fatalf("Apply without a file: %v, %+v", err, origins)
	}
}

func TestFile_Resolve(t *testing.T) {
	text := `model = "glm-4.7"
max_steps = 10
root = ["/base"]

[mcp_servers.gh]
command = "gh-base"
[mcp_servers.db]
command = "db-server"

[approval]
deny = ["gh__delete_*"]
allow = ["gh__get_*"]

[prices.m]
input = 1

[profiles.coding]
provider = "zai-coding"
max_steps = 40
root = ["/code"]

[profiles.coding.mcp_servers.gh]
url = "http://127.0.0.1:9/mcp"

[profiles.coding.approval]
allow = ["gh__delete_branch", "sqlite_execute"]

[profiles.coding.prices.m]
input = 2
`
	base := resolve(t, text, "")
	coding := resolve(t, text, "coding")
	a := newAskFlags()
	if _, err := Apply(a.fs, coding, testOpts); err != nil {
		t.Fatal(err)
	}
	if a.provider != "zai-coding" || a.maxSteps != 40 || a.model != "glm-4.7" || strings.Join(a.root, ",") != "/code" {
		t.Errorf("overlay: provider %q steps %d model %q root %v", a.provider, a.maxSteps, a.model, a.root)
	}
	if got := coding.MCPServers["gh"]; got.URL == "" || got.Command != "" {
		t.Errorf("profile server did not replace the top level's: %+v", got)
	}
	if coding.MCPServers["db"].Command != "db-server" || base.MCPServers["gh"].Command != "gh-base" {
		t.Errorf("servers: coding %+v, base %+v", coding.MCPServers, base.MCPServers)
	}
	if coding.Prices["m"].Input != 2 || base.Prices["m"].Input != 1 {
		t.Errorf("prices: coding %+v, base %+v", coding.Prices, base.Prices)
	}
	decisions := []struct {
		tool       string
		base, prof Decision
	}{
		{"gh__get_issue", Allow, Allow},
		{"gh__delete_branch", Deny, Deny}, // a profile cannot lift a deny
		{"sqlite_execute", Ask, Allow},
		{"read_file", Ask, Ask},
	}
	for _, d := range decisions {
		if got := base.Approval.Decide(d.tool); got != d.base {
			t.Errorf("base Decide(%s) = %v; want %v", d.tool, got, d.base)
		}
		if got := coding.Approval.Decide(d.tool); got != d.prof {
			t.Errorf("coding Decide(%s) = %v; want %v", d.tool, got, d.prof)
		}
	}
	f, _ := Parse("c.toml", []byte(text))
	if _, err := f.Resolve("cooking"); !errors.Is(err, ErrUnknownProfile) || !strings.Contains(err.Error(), "coding") {
		t.Errorf("unknown profile: %v; want ErrUnknownProfile listing coding", err)
	}
	if _, err := (&File{}).Resolve("x"); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("profile without a file: %v", err)
	}
}

func TestApproval_Decide(t *testing.T) {
	a := Approval{
		Allow: []Pattern{{Glob: "files_*"}, {Glob: "gh__list_?ssues"}, {Glob: "*"}},
		Deny:  []Pattern{{Glob: "*__delete_*"}, {Glob: "sqlite_[ex]*"}},
	}
	tests := []struct {
		tool string
		want Decision
	}{
		{"files_read", Allow},
		{"gh__list_issues", Allow},
		{"gh__delete_repo", Deny},
		{"sqlite_execute", Deny},
		{"anything", Allow},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			if got := a.Decide(tt.tool); got != tt.want {
				t.Errorf("Decide(%q) = %v; want %v", tt.tool, got, tt.want)
			}
		})
	}
	if got := (Approval{}).Decide("x"); got != Ask {
		t.Errorf("empty approval = %v; want ask", got)
	}
}

func TestShow(t *testing.T) {
	text := `model = "glm-4.7"

[mcp_servers.gh]
command = "gh"
args = ["--api-key=sk-live-1", "--token", "tok-2", "serve"]
env = { GITHUB_TOKEN = "${GH_SECRET}", LOG = "plain-value" }

[approval]
allow = ["gh__get_*"]

[profiles.p]
max_steps = 9
`
	v := resolve(t, text, "p")
	a := newAskFlags()
	if err := a.fs.Parse([]string{"--provider", "bigmodel"}); err != nil {
		t.Fatal(err)
	}
	opts := testOpts
	opts.Env = map[string]string{"db": "GLM_MCP_DB"}
	origins, err := Apply(a.fs, v, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Show(&out, a.fs, origins, v); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"# config file c.toml, profile p",
		`model = "glm-4.7"`, "# c.toml:1\n",
		`provider = "bigmodel"`, "# flag\n",
		"# env GLM_MCP_DB\n",
		"max_steps = 9", "# c.toml:12 (profile p)\n",
		"tool_timeout = \"1m0s\"", "# default\n",
		"[mcp_servers.gh]", `GITHUB_TOKEN = "${GH_SECRET}"`, `LOG = "(set)"`,
		`"--api-key=(hidden)", "--token", "(hidden)", "serve"`,
		`allow = "gh__get_*"`, "# c.toml:9",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Show lacks %q:\n%s", want, s)
		}
	}
	for _, secret := range []string{"sk-live-1", "tok-2", "plain-value"} {
		if strings.Contains(s, secret) {
			t.Errorf("Show printed the value %q:\n%s", secret, s)
		}
	}
}

func TestInitTemplate(t *testing.T) {
	// Every "# " line uncommented is a valid file whose keys ask or serve takes.
	var b strings.Builder
	for _, line := range strings.Split(InitTemplate(), "\n") {
		if strings.HasPrefix(line, "# ") || line == "#" {
			line = strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
		}
		b.WriteString(line + "\n")
	}
	f, err := Parse("template.toml", []byte(b.String()))
	if err != nil {
		t.Fatalf("uncommented template: %v\n%s", err, b.String())
	}
	v, err := f.Resolve("coding")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, name := range strings.Fields(askFlagNames + " " + serveOnlyFlagNames) {
		known[name] = true
	}
	for _, s := range v.Settings() {
		if !known[s.Flag] {
			t.Errorf("template key %s (line %d) is not a flag of ask or serve", s.Key, s.Pos.Line)
		}
	}
	if len(v.MCPServers) != 2 || len(v.Approval.Allow) == 0 || len(v.Prices) == 0 || v.Profile != "coding" {
		t.Errorf("template lacks a section: %+v", v)
	}
	plain, err := Parse("template.toml", []byte(InitTemplate()))
	if err != nil || len(plain.base.flags) != 0 {
		t.Errorf("the template as written sets something: %v %+v", err, plain.base.flags)
	}
}

// askFlagNames are the flags of ask and chat today (ask_flags.go, flags.go, toolsession.go).
const askFlagNames = `root toolkits sqlite sqlite-write sqlite-timeout allow-host fetch-timeout fetch-max-bytes
ignore-robots user-agent mcp-config mcp-timeout tools exclude-tools prefix-tools log-level log-format
provider base-url model api-key-env max-tokens max-completion-tokens n temperature top-p
frequency-penalty presence-penalty stream no-stream tool-choice parallel-tool-calls response-format
thinking stop tool-concurrency max-steps tool-timeout max-tool-output hide-reasoning yes json db system no-store`

// serveOnlyFlagNames are serve's flags that ask does not take (serve.go).
const serveOnlyFlagNames = `http http-token-env http-max-body drain-delay shutdown-timeout
http-header-timeout http-body-timeout http-idle-timeout`

func TestInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	if err := Init(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("Init wrote %v, %v; want mode 0600", st, err)
	}
	if err := os.WriteFile(path, []byte("model = \"mine\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Init(path); !errors.Is(err, ErrExists) {
		t.Fatalf("second Init = %v; want ErrExists", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "model = \"mine\"\n" {
		t.Errorf("Init overwrote the file: %q", data)
	}
}

func TestMCPServer_Expand(t *testing.T) {
	s := MCPServer{Command: "${BIN}/srv", Args: []string{"--dir", "${HOME}/x"}, Env: map[string]string{"T": "${TOK}"},
		URL: "", Headers: map[string]string{"Authorization": "Bearer ${TOK}"}}
	env := map[string]string{"BIN": "/usr/bin", "HOME": "/h", "TOK": "s3"}
	got := s.Expand(func(k string) string { return env[k] })
	if got.Command != "/usr/bin/srv" || got.Args[1] != "/h/x" || got.Env["T"] != "s3" || got.Headers["Authorization"] != "Bearer s3" {
		t.Errorf("Expand = %+v", got)
	}
	if s.Env["T"] != "${TOK}" {
		t.Errorf("Expand changed the original: %+v", s.Env)
	}
}
