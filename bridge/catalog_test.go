package bridge

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// validName is what function-calling endpoints accept as a tool name.
var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestCatalog_Names(t *testing.T) {
	builtin := &Server{Name: "glm-mcp", Builtin: true, Tools: []mcp.Tool{echoTool("read_file", true), echoTool("search_content", true)}}
	ext := &Server{Name: "my.fs server", Tools: []mcp.Tool{echoTool("read_file", true), echoTool("weird name/with:chars", true), echoTool(strings.Repeat("x", 80), true), echoTool(strings.Repeat("x", 80)+"y", true)}}
	c, err := NewCatalog([]*Server{ext, builtin}, CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := c.Names()
	want := []string{"read_file", "search_content", "my_fs_server__read_file", "weird_name_with_chars"}
	for i, w := range want {
		if names[i] != w {
			t.Errorf("name %d = %q, want %q", i, names[i], w)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if !validName.MatchString(n) || seen[n] {
			t.Errorf("name %q is invalid or repeated", n)
		}
		seen[n] = true
	}
	if tool, _ := c.Lookup("my_fs_server__read_file"); tool.MCP.Name != "read_file" || tool.Server != ext {
		t.Errorf("a prefixed name should map back to the server's own tool name")
	}
	prefixed, _ := NewCatalog([]*Server{ext, builtin}, CatalogOptions{Prefix: true, Exclude: []string{"x*"}, Include: []string{"*read_file", "weird*", "my_fs*", "x*"}})
	if got := strings.Join(prefixed.Names(), ","); got != "read_file,my_fs_server__read_file,my_fs_server__weird_name_with_chars" {
		t.Errorf("prefix+filters gave %s", got)
	}
}

func TestCatalog_CleanSchema(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"drops $schema and null required", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"string"}},"required":null}`, `{"properties":{"a":{"type":"string"}},"type":"object"}`},
		{"adds empty properties", `{"type":"object"}`, `{"properties":{},"type":"object"}`},
		{"empty schema", ``, `{"properties":{},"type":"object"}`},
		{"keeps required list", `{"type":"object","properties":{"a":{}},"required":["a"]}`, `{"properties":{"a":{}},"required":["a"],"type":"object"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cleanSchema(json.RawMessage(tc.in))
			if err != nil || string(got) != tc.want {
				t.Errorf("cleanSchema = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
