package config

import (
	"fmt"
	"maps"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Values is the file's effective configuration for one profile: the top level
// with the profile laid over it.
type Values struct {
	// File is the file the values came from.
	File string
	// Profile is the profile laid over the top level, "" for none.
	Profile string
	// MCPServers are the external servers by name; ServerPos says where each was written.
	MCPServers map[string]MCPServer
	ServerPos  map[string]Position
	// Approval decides tool calls without asking.
	Approval Approval
	// Prices are per model id; PricePos says where each was written.
	Prices   map[string]Price
	PricePos map[string]Position

	flags map[string]entry
}

// Setting is one flag key of the file, ready for flag.FlagSet.Set.
type Setting struct {
	Key     string   // the key as written, e.g. max_steps or profiles.coding.model
	Flag    string   // the flag it sets, e.g. max-steps
	Values  []string // one per Set call: a scalar gives one, an array one per element
	Type    string   // the TOML type: string, integer, float, boolean or array
	Pos     Position // where it was written
	Profile string   // the profile it came from, "" for the top level
	name    string   // the key itself, without its table
	val     any
}

// Resolve lays profile over the top level. An empty profile uses the file's
// top-level `profile = "NAME"` if it has one, else none. Scalars and arrays
// of the profile replace the top level's; mcp_servers and prices entries
// replace those of the same name; approval globs add to the top level's (so a
// profile cannot lift a deny). An unknown profile is ErrUnknownProfile.
func (f *File) Resolve(profile string) (*Values, error) {
	v := &Values{
		File: f.Path, MCPServers: map[string]MCPServer{}, ServerPos: map[string]Position{},
		Prices: map[string]Price{}, PricePos: map[string]Position{}, flags: map[string]entry{},
	}
	v.overlay(&f.base)
	if profile == "" {
		profile = f.defaultProfile
	}
	if profile == "" {
		return v, nil
	}
	ly, ok := f.profiles[profile]
	if !ok {
		names := sortedKeys(f.profiles)
		have := "the file has none"
		if len(names) > 0 {
			have = "the file has " + strings.Join(names, ", ")
		}
		if f.Path == "" || !f.Exists {
			have = "there is no config file"
		}
		return nil, fmt.Errorf("profile %q: %w (%s)", profile, ErrUnknownProfile, have)
	}
	v.Profile = profile
	v.overlay(ly)
	return v, nil
}

func (v *Values) overlay(ly *layer) {
	if ly.flags == nil {
		return
	}
	maps.Copy(v.flags, ly.flags)
	maps.Copy(v.MCPServers, ly.servers)
	maps.Copy(v.ServerPos, ly.serverPos)
	maps.Copy(v.Prices, ly.prices)
	maps.Copy(v.PricePos, ly.pricePos)
	v.Approval.Allow = append(v.Approval.Allow, ly.allow...)
	v.Approval.Deny = append(v.Approval.Deny, ly.deny...)
}

// Settings lists the flag keys in the order of the file.
func (v *Values) Settings() []Setting {
	if v == nil {
		return nil
	}
	out := make([]Setting, 0, len(v.flags))
	for k, e := range v.flags {
		s := Setting{Key: e.key, Flag: strings.ReplaceAll(k, "_", "-"), Type: typeName(e.val), Pos: e.pos, Profile: e.profile, name: k, val: e.val}
		if arr, ok := e.val.([]any); ok {
			for _, el := range arr {
				s.Values = append(s.Values, scalarString(el))
			}
		} else {
			s.Values = []string{scalarString(e.val)}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pos.Line != out[j].Pos.Line {
			return out[i].Pos.Line < out[j].Pos.Line
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// scalarString writes a TOML scalar as a flag would take it.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// Decision is what the approval rules say about a tool call.
type Decision int

// The decisions: Ask when no rule matches.
const (
	Ask Decision = iota
	Allow
	Deny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "ask"
}

// Approval holds the [approval] globs over tool names (SERVER__TOOL for
// external tools). The globs are path.Match patterns: * matches any run of
// characters (tool names have no '/'), ? one character, [a-z] a class.
type Approval struct {
	Allow []Pattern
	Deny  []Pattern
}

// Decide says Deny when a deny glob matches the tool (deny wins), Allow when an
// allow glob does, else Ask.
func (a Approval) Decide(tool string) Decision {
	if a.matches(a.Deny, tool) {
		return Deny
	}
	if a.matches(a.Allow, tool) {
		return Allow
	}
	return Ask
}

func (a Approval) matches(globs []Pattern, tool string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g.Glob, tool); ok {
			return true
		}
	}
	return false
}
