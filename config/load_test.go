package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestPath(t *testing.T) {
	tests := []struct {
		name                 string
		flag, env, xdg, home string
		want                 string
		explicit             bool
	}{
		{name: "flag wins", flag: "a.toml", env: "b.toml", xdg: "/x", home: "/h", want: "a.toml", explicit: true},
		{name: "env next", env: "b.toml", xdg: "/x", home: "/h", want: "b.toml", explicit: true},
		{name: "xdg", xdg: "/x", home: "/h", want: "/x/glm-mcp/config.toml"},
		{name: "relative xdg ignored", xdg: "rel", home: "/h", want: "/h/.config/glm-mcp/config.toml"},
		{name: "home", home: "/h", want: "/h/.config/glm-mcp/config.toml"},
		{name: "nowhere", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, explicit := Path(tt.flag, tt.env, tt.xdg, tt.home)
			if got != tt.want || explicit != tt.explicit {
				t.Errorf("Path = %q, %v; want %q, %v", got, explicit, tt.want, tt.explicit)
			}
		})
	}
}

func TestLoad_Missing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	f, err := Load(path, false)
	if err != nil || f.Exists || f.Path != path {
		t.Fatalf("default path missing: %+v, %v; want an empty File", f, err)
	}
	if _, err := Load(path, true); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), path) {
		t.Fatalf("explicit path missing: %v; want ErrNotFound naming the path", err)
	}
}

func TestLoad_TooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.toml")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(256 << 20); err != nil { // sparse: 256 MiB of NULs
		t.Fatal(err)
	}
	fh.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Load(path, true)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Load of 256 MiB = %v; want ErrTooLarge", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("Load allocated %d bytes refusing a 256 MiB file; want at most 8 MiB", got)
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name string
		text string
		kind error
		want []string // every line of the error, in order
	}{
		{name: "syntax", text: "model = \"a\"\nmax_steps = \n", kind: ErrSyntax,
			want: []string{`c.toml:2: key "max_steps": unexpected character`}},
		{name: "duplicate key", text: "model = \"a\"\nmodel = \"b\"\n", kind: ErrSyntax,
			want: []string{`c.toml:2: `}},
		{name: "api key refused", text: "model = \"a\"\napi_key = \"sk-123\"\n", kind: ErrSecret,
			want: []string{`c.toml:2: key "api_key": the file never holds secrets: keep it in an environment variable and give the variable's name as api_key_env`}},
		{name: "token suffix refused", text: "github_token = \"x\"\n", kind: ErrSecret,
			want: []string{`c.toml:1: key "github_token": the file never holds secrets`}},
		{name: "secret in a profile", text: "[profiles.p]\nmodel = \"m\"\nhttp_token = \"t\"\n", kind: ErrSecret,
			want: []string{`c.toml:3: key "profiles.p.http_token": the file never holds secrets`}},
		{name: "literal secret in server env", text: "[mcp_servers.gh]\ncommand = \"gh\"\nenv = { GITHUB_TOKEN = \"ghp_abc\" }\n", kind: ErrSecret,
			want: []string{`c.toml:3: key "mcp_servers.gh.env.GITHUB_TOKEN": the file never holds secrets: keep the value in an environment variable and write ${VARIABLE}`}},
		{name: "literal secret in header", text: "[mcp_servers.d]\nurl = \"http://x\"\n\n[mcp_servers.d.headers]\nAuthorization = \"Bearer abc\"\n", kind: ErrSecret,
			want: []string{`c.toml:5: key "mcp_servers.d.headers.Authorization": the file never holds secrets`}},
		{name: "server with command and url", text: "[mcp_servers.x]\ncommand = \"a\"\nurl = \"http://b\"\n", kind: ErrBadValue,
			want: []string{`c.toml:1: key "mcp_servers.x": give either command or url`}},
		{name: "server unknown field", text: "[mcp_servers.x]\ncommand = \"a\"\ncwd = \"/\"\n", kind: ErrUnknownKey,
			want: []string{`c.toml:3: key "mcp_servers.x.cwd": an mcp_servers entry takes command, args, env, url and headers`}},
		{name: "server args wrong type", text: "[mcp_servers.x]\ncommand = \"a\"\nargs = \"-v\"\n", kind: ErrType,
			want: []string{`c.toml:3: key "mcp_servers.x.args": want an array of strings, got a string`}},
		{name: "array of tables", text: "[[mcp_servers]]\ncommand = \"a\"\n", kind: ErrType,
			want: []string{`c.toml:1: key "mcp_servers": want a table, got an array`}},
		{name: "bad glob", text: "[approval]\nallow = [\"files_*\", \"[a\"]\n", kind: ErrBadValue,
			want: []string{`c.toml:2: key "approval.allow": bad glob "[a": syntax error in pattern`}},
		{name: "approval unknown key", text: "[approval]\nask = [\"x\"]\n", kind: ErrUnknownKey,
			want: []string{`c.toml:2: key "approval.ask": [approval] takes allow and deny`}},
		{name: "negative price", text: "[prices.\"glm-4.7\"]\ninput = 0.6\noutput = -2\n", kind: ErrBadValue,
			want: []string{`c.toml:3: key "prices.glm-4.7.output": a price is a number of dollars, 0 or more`}},
		{name: "price wrong type", text: "[prices.m]\ninput = \"cheap\"\n", kind: ErrType,
			want: []string{`c.toml:2: key "prices.m.input": want a number, got a string`}},
		{name: "unknown table", text: "model = \"m\"\n\n[server]\nport = 1\n", kind: ErrUnknownKey,
			want: []string{`c.toml:3: key "server": no such table (tables are mcp_servers, approval, prices and profiles)`}},
		{name: "date value", text: "since = 1979-05-27\n", kind: ErrType,
			want: []string{`c.toml:1: key "since": a date-time; flags take strings, numbers or booleans`}},
		{name: "nested profiles", text: "[profiles.a.profiles.b]\nmodel = \"m\"\n", kind: ErrUnknownKey,
			want: []string{`c.toml:1: key "profiles.a.profiles": profiles do not nest`}},
		{name: "every problem, in file order", text: "token = \"x\"\n[approval]\nallow = [\"[\"]\n[mcp_servers.s]\nargs = []\n", kind: ErrSecret,
			want: []string{`c.toml:1: key "token"`, `c.toml:3: key "approval.allow"`, `c.toml:4: key "mcp_servers.s": give either command or url`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.text))
			if err == nil {
				t.Fatal("Parse accepted the file")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("error has %d lines, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d = %q; want prefix %q", i, lines[i], w)
				}
			}
			if strings.Contains(err.Error(), "sk-123") || strings.Contains(err.Error(), "ghp_abc") {
				t.Errorf("the error repeats the secret: %s", err)
			}
		})
	}
}

func TestParse_Valid(t *testing.T) {
	text := `profile = "coding"
model = "glm-4.7"
root = ["/a", "/b"]
temperature = 0.5
yes = false

[mcp_servers.gh]
command = "docker"
args = ["run", "-i"]
env = { GITHUB_PERSONAL_ACCESS_TOKEN = "${GITHUB_TOKEN}", LOG = "debug" }

[mcp_servers."docs.site"]
url = "https://docs.example/mcp"
headers = { Authorization = "Bearer ${DOCS_TOKEN}" }

[approval]
allow = ["gh__get_*"]

[prices."glm-4.7"]
input = 0.6
output = 2

[profiles.coding]
provider = "zai-coding"
`
	f, err := Parse("c.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	if v.Profile != "coding" {
		t.Errorf("default profile = %q; want coding", v.Profile)
	}
	if got := v.MCPServers["docs.site"].URL; got != "https://docs.example/mcp" {
		t.Errorf("quoted server name: url %q", got)
	}
	if pos := v.ServerPos["docs.site"]; pos.Line != 12 {
		t.Errorf("docs.site at %v; want line 12", pos)
	}
	if p := v.Prices["glm-4.7"]; p != (Price{Input: 0.6, CachedInput: 0.6, Output: 2}) {
		t.Errorf("price = %+v; want cached_input defaulting to input", p)
	}
	want := map[string]struct {
		line   int
		values string
	}{"model": {2, "glm-4.7"}, "root": {3, "/a|/b"}, "temperature": {4, "0.5"}, "yes": {5, "false"}, "provider": {24, "zai-coding"}}
	got := v.Settings()
	if len(got) != len(want) {
		t.Fatalf("Settings = %+v; want %d", got, len(want))
	}
	for _, s := range got {
		w := want[s.Flag]
		if s.Pos.Line != w.line || strings.Join(s.Values, "|") != w.values || s.Pos.File != "c.toml" {
			t.Errorf("setting %s = %v at %v; want %s at line %d", s.Key, s.Values, s.Pos, w.values, w.line)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(InitTemplate()))
	f.Add([]byte("a = 1\n[b]\nc = [1, 2]\n[mcp_servers.x]\ncommand = \"y\"\n"))
	f.Add([]byte("x = { y = { z = 1 } }\n[[t]]\na.b.c = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.toml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse error %v is not an *Error", err)
			}
			return
		}
		if _, err := file.Resolve(""); err != nil && !errors.Is(err, ErrUnknownProfile) {
			t.Fatalf("Resolve: %v", err)
		}
	})
}

func TestLoad_File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("model = \"glm-4.7\"\n\n[approval]\nallow = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, false)
	if want := path + `:4: key "approval.allow": want an array of strings, got an integer`; err == nil || err.Error() != want {
		t.Fatalf("Load = %v; want %s", err, want)
	}
	if err := os.WriteFile(path, []byte("model = \"glm-4.7\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path, true)
	if err != nil || !f.Exists || f.Path != path {
		t.Fatalf("Load = %+v, %v", f, err)
	}
}
