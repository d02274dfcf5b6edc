package config

import (
	"math"
	"path"
	"slices"
)

// MCPServer is one [mcp_servers.NAME] table: the fields of an mcpServers
// entry, a stdio command or a Streamable HTTP url. Its fields match
// bridge.ServerConfig, so bridge.ServerConfig(s.Expand(getenv)) converts it.
// Values may refer to the environment as ${VAR}; Expand resolves them.
type MCPServer struct {
	Command string
	Args    []string
	Env     map[string]string
	URL     string
	Headers map[string]string
}

// Expand returns a copy of s with every ${VAR} in the command, arguments,
// environment values, url and header values replaced by getenv(VAR).
func (s MCPServer) Expand(getenv func(string) string) MCPServer {
	out := MCPServer{Command: expand(s.Command, getenv), URL: expand(s.URL, getenv)}
	for _, a := range s.Args {
		out.Args = append(out.Args, expand(a, getenv))
	}
	if s.Env != nil {
		out.Env = make(map[string]string, len(s.Env))
		for k, v := range s.Env {
			out.Env[k] = expand(v, getenv)
		}
	}
	if s.Headers != nil {
		out.Headers = make(map[string]string, len(s.Headers))
		for k, v := range s.Headers {
			out.Headers[k] = expand(v, getenv)
		}
	}
	return out
}

// Pattern is one approval glob and where it was written.
type Pattern struct {
	Glob string
	Pos  Position
}

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input       float64
	CachedInput float64 // defaults to Input when the file leaves it out
	Output      float64
}

func (l *loader) servers(ly *layer, v any, p []string) {
	tbl, ok := l.table(v, p)
	if !ok {
		return
	}
	for _, name := range sortedKeys(tbl) {
		sp := append(slices.Clone(p), name)
		st, ok := l.table(tbl[name], sp)
		if !ok {
			continue
		}
		var s MCPServer
		for _, field := range sortedKeys(st) {
			fp := append(slices.Clone(sp), field)
			switch fv := st[field]; field {
			case "command":
				s.Command, _ = l.str(fv, fp)
			case "url":
				s.URL, _ = l.str(fv, fp)
			case "args":
				s.Args = l.strs(fv, fp)
			case "env":
				s.Env = l.strMap(fv, fp)
				l.literalSecrets(s.Env, fp)
			case "headers":
				s.Headers = l.strMap(fv, fp)
				l.literalSecrets(s.Headers, fp)
			default:
				l.fail(fp, ErrUnknownKey, "an mcp_servers entry takes command, args, env, url and headers")
			}
		}
		if (s.Command == "") == (s.URL == "") {
			l.fail(sp, ErrBadValue, "give either command or url")
			continue
		}
		ly.servers[name] = s
		ly.serverPos[name] = l.at(sp...)
	}
}

// literalSecrets refuses secret-looking values written out in the file.
func (l *loader) literalSecrets(m map[string]string, p []string) {
	for _, k := range sortedKeys(m) {
		if literalSecret(k, m[k]) {
			l.fail(append(slices.Clone(p), k), ErrSecret,
				"the file never holds secrets: keep the value in an environment variable and write ${VARIABLE}")
		}
	}
}

func (l *loader) approval(ly *layer, v any, p []string) {
	tbl, ok := l.table(v, p)
	if !ok {
		return
	}
	for _, field := range sortedKeys(tbl) {
		fp := append(slices.Clone(p), field)
		var dst *[]Pattern
		switch field {
		case "allow":
			dst = &ly.allow
		case "deny":
			dst = &ly.deny
		default:
			l.fail(fp, ErrUnknownKey, "[approval] takes allow and deny")
			continue
		}
		for _, g := range l.strs(tbl[field], fp) {
			if _, err := path.Match(g, ""); err != nil {
				l.fail(fp, ErrBadValue, "bad glob %q: %v", g, err)
				continue
			}
			*dst = append(*dst, Pattern{Glob: g, Pos: l.at(fp...)})
		}
	}
}

func (l *loader) prices(ly *layer, v any, p []string) {
	tbl, ok := l.table(v, p)
	if !ok {
		return
	}
	for _, model := range sortedKeys(tbl) {
		mp := append(slices.Clone(p), model)
		mt, ok := l.table(tbl[model], mp)
		if !ok {
			continue
		}
		var pr Price
		cached := false
		for _, field := range sortedKeys(mt) {
			fp := append(slices.Clone(mp), field)
			var dst *float64
			switch field {
			case "input":
				dst = &pr.Input
			case "cached_input":
				dst, cached = &pr.CachedInput, true
			case "output":
				dst = &pr.Output
			default:
				l.fail(fp, ErrUnknownKey, "a price takes input, cached_input and output (USD per million tokens)")
				continue
			}
			*dst = l.price(mt[field], fp)
		}
		if !cached {
			pr.CachedInput = pr.Input
		}
		ly.prices[model] = pr
		ly.pricePos[model] = l.at(mp...)
	}
}

func (l *loader) price(v any, p []string) float64 {
	var f float64
	switch n := v.(type) {
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		l.fail(p, ErrType, "want a number, got %s", withArticle(typeName(v)))
		return 0
	}
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		l.fail(p, ErrBadValue, "a price is a number of dollars, 0 or more")
		return 0
	}
	return f
}
