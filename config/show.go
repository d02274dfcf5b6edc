package config

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Show writes the effective configuration as TOML-like lines, each with a
// comment saying where its value came from: flag, env VARIABLE, FILE:LINE
// (and the profile), or default. Flags name environment variables, never
// hold keys; server env and header values are shown only as ${VAR}
// references, anything written out is "(set)"; secret-looking arguments are
// masked.
func Show(w io.Writer, fs *flag.FlagSet, origins Origins, v *Values) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header(v))
	fs.VisitAll(func(f *flag.Flag) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		val := renderFlag(f)
		if _, secret := secretKey(key); secret {
			val = `"(hidden)"`
		}
		fmt.Fprintf(tw, "%s = %s\t# %s\n", key, val, origins.describe(f.Name))
	})
	if v != nil {
		showServers(tw, v)
		showApproval(tw, v.Approval)
		showPrices(tw, v)
	}
	return tw.Flush()
}

func header(v *Values) string {
	switch {
	case v == nil || v.File == "":
		return "# no config file"
	case v.Profile != "":
		return fmt.Sprintf("# config file %s, profile %s", v.File, v.Profile)
	}
	return "# config file " + v.File
}

func (o Origins) describe(name string) string {
	or := o[name]
	switch or.Source {
	case FromFlag:
		return "flag"
	case FromEnv:
		return "env " + or.Env
	case FromFile:
		if or.Profile != "" {
			return fmt.Sprintf("%s (profile %s)", or.Pos, or.Profile)
		}
		return or.Pos.String()
	}
	return "default"
}

// renderFlag writes a flag's current value as a TOML value.
func renderFlag(f *flag.Flag) string {
	s := f.Value.String()
	switch wantType(f.Value) {
	case "boolean", "integer", "number":
		if s != "" {
			return s
		}
	}
	return strconv.Quote(s)
}

func showServers(w io.Writer, v *Values) {
	for _, name := range sortedKeys(v.MCPServers) {
		s := v.MCPServers[name]
		fmt.Fprintf(w, "\n[mcp_servers.%s]\t# %s\n", quoteKey(name), v.ServerPos[name])
		if s.Command != "" {
			fmt.Fprintf(w, "command = %q\n", s.Command)
			fmt.Fprintf(w, "args = %s\n", quoteList(maskArgs(s.Args)))
		}
		if s.URL != "" {
			fmt.Fprintf(w, "url = %q\n", s.URL)
		}
		if len(s.Env) > 0 {
			fmt.Fprintf(w, "env = %s\n", refsOnly(s.Env))
		}
		if len(s.Headers) > 0 {
			fmt.Fprintf(w, "headers = %s\n", refsOnly(s.Headers))
		}
	}
}

func showApproval(w io.Writer, a Approval) {
	if len(a.Allow)+len(a.Deny) == 0 {
		return
	}
	fmt.Fprintln(w, "\n[approval]")
	for _, list := range []struct {
		key      string
		patterns []Pattern
	}{{"allow", a.Allow}, {"deny", a.Deny}} {
		for _, p := range list.patterns {
			fmt.Fprintf(w, "%s = %q\t# %s\n", list.key, p.Glob, p.Pos)
		}
	}
}

func showPrices(w io.Writer, v *Values) {
	for _, model := range sortedKeys(v.Prices) {
		p := v.Prices[model]
		fmt.Fprintf(w, "\n[prices.%s]\t# %s\ninput = %g\ncached_input = %g\noutput = %g\n",
			quoteKey(model), v.PricePos[model], p.Input, p.CachedInput, p.Output)
	}
}

// refsOnly shows a table whose values are shown only when they are nothing
// but ${VAR} references and plain words around them.
func refsOnly(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		val := m[k]
		if !envRef.MatchString(val) {
			val = "(set)"
		} else if rest := envRef.ReplaceAllString(val, ""); strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "Bearer")) != "" {
			val = "(set)"
		}
		parts = append(parts, fmt.Sprintf("%s = %q", quoteKey(k), val))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// maskArgs hides the values of secret-looking arguments: --token=X and the
// word after --token.
func maskArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if name, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "-") && literalSecret(name, val) {
			out[i] = name + "=(hidden)"
		}
		if i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") && literalSecret(args[i-1], a) && !strings.HasPrefix(a, "-") {
			out[i] = "(hidden)"
		}
	}
	return out
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// quoteKey quotes a TOML key that is not a bare key.
func quoteKey(k string) string {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return strconv.Quote(k)
		}
	}
	return k
}
