package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/config"
)

// fileConfig holds --config and --profile, which every command that takes
// settings accepts.
type fileConfig struct {
	Path    string
	Profile string
	values  *config.Values // the file's values for the profile; nil without a file
	origins config.Origins // where each flag's value came from
}

func (c *fileConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Path, "config", "", "configuration file (default $GLM_MCP_CONFIG, else $XDG_CONFIG_HOME/glm-mcp/config.toml)")
	fs.StringVar(&c.Profile, "profile", "", "a [profiles.NAME] table of the configuration file to lay over it")
}

// commandLineOnly are flags the file may not set.
var commandLineOnly = []string{"config", "profile", "continue", "c", "live", "all", "yes"}

// knownFlags is every flag of every command, so that a key meant for another
// command (model, when running serve) is not an error.
var knownFlags = union(
	flagNames(func(fs *flag.FlagSet) {
		cfg := &askConfig{}
		cfg.register(fs)
		cfg.registerConversation(fs)
	}),
	flagNames(func(fs *flag.FlagSet) { (&serveConfig{}).registerServe(fs) }),
)

func union(sets ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			out[k] = true
		}
	}
	return out
}

// applyConfig reads the configuration file and sets every flag of fs that
// the command line and the environment left unset. Call it after parsing.
func (a *app) applyConfig(fs *flag.FlagSet, fc *fileConfig) error {
	path, explicit := config.Path(fc.Path, a.getenv("GLM_MCP_CONFIG"), a.getenv("XDG_CONFIG_HOME"), a.getenv("HOME"))
	var f *config.File
	if path != "" {
		var err error
		if f, err = config.Load(path, explicit); err != nil {
			return configError(err)
		}
	}
	if f != nil {
		v, err := f.Resolve(fc.Profile)
		if err != nil {
			return configError(err)
		}
		fc.values = v
	} else if fc.Profile != "" {
		return usageError("--profile %s: there is no configuration file (%s)", fc.Profile, path)
	}
	env := map[string]string{}
	if a.getenv("GLM_MCP_DB") != "" {
		env["db"] = "GLM_MCP_DB"
	}
	origins, err := config.Apply(fs, fc.values, config.ApplyOptions{Known: knownFlags, Env: env, CommandLineOnly: commandLineOnly})
	if err != nil {
		return configError(err)
	}
	fc.origins = origins
	if fc.values != nil {
		for model, p := range fc.values.Prices {
			priceOverrides[model] = glm.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
		}
	}
	return nil
}

// loadPrices takes the [prices] of the configuration file (for commands that
// show cost but take no other setting); a broken file is reported, not fatal.
func (a *app) loadPrices() {
	path, explicit := config.Path("", a.getenv("GLM_MCP_CONFIG"), a.getenv("XDG_CONFIG_HOME"), a.getenv("HOME"))
	if path == "" {
		return
	}
	f, err := config.Load(path, explicit)
	if err == nil {
		var v *config.Values
		if v, err = f.Resolve(""); err == nil {
			for model, p := range v.Prices {
				priceOverrides[model] = glm.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
			}
			return
		}
	}
	fmt.Fprintf(a.stderr, "glm-mcp: the configuration's prices are not used: %v\n", err)
}

// configError is a problem in the configuration file: a usage error (exit 2)
// whose text already names the file, line and key.
func configError(err error) error {
	return usageError("%v", err)
}

// servers are the external MCP servers the configuration file names.
func (c *fileConfig) servers(getenv func(string) string) map[string]bridge.ServerConfig {
	if c.values == nil || len(c.values.MCPServers) == 0 {
		return nil
	}
	out := map[string]bridge.ServerConfig{}
	for name, s := range c.values.MCPServers {
		out[name] = bridge.ServerConfig(s.Expand(getenv))
	}
	return out
}

// approval is the file's [approval] rules.
func (c *fileConfig) approval() config.Approval {
	if c.values == nil {
		return config.Approval{}
	}
	return c.values.Approval
}

const configSynopsis = `config path|show|init [--config FILE] [--profile NAME] [flags]

path: the configuration file in use. show: the effective settings of ask,
chat and serve (with their flags, if given) and where each value came from;
keys are never shown, only the names of the variables that hold them. init:
write a commented starting file (never over an existing one).`

func (a *app) configCmd(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(a.stdout, "Usage: glm-mcp %s\n", configSynopsis)
		if len(args) == 0 {
			return usageError("give path, show or init")
		}
		return nil
	}
	cfg := &askConfig{}
	fs := a.newFlagSet("config "+args[0], configSynopsis)
	cfg.register(fs)
	// serve's own settings (--http, --drain-delay, …) are shown too.
	serveFS := flag.NewFlagSet("serve", flag.ContinueOnError)
	(&serveConfig{}).registerServe(serveFS)
	serveFS.VisitAll(func(f *flag.Flag) {
		if fs.Lookup(f.Name) == nil {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	path, explicit := config.Path(cfg.fileConfig.Path, a.getenv("GLM_MCP_CONFIG"), a.getenv("XDG_CONFIG_HOME"), a.getenv("HOME"))
	switch args[0] {
	case "path":
		_, err := os.Stat(path)
		switch {
		case err == nil:
			fmt.Fprintln(a.stdout, path)
		case explicit:
			return usageError("%s: %v", path, err)
		default:
			fmt.Fprintf(a.stdout, "%s\n", path)
			fmt.Fprintf(a.stderr, "(no file there yet: glm-mcp config init writes one)\n")
		}
		return nil
	case "init":
		if err := config.Init(path); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "wrote %s\n", path)
		return nil
	case "show":
		if err := a.applyConfig(fs, &cfg.fileConfig); err != nil {
			return err
		}
		return config.Show(a.stdout, fs, cfg.fileConfig.origins, cfg.fileConfig.values)
	}
	return usageError("unknown config command %q (path, show or init)", args[0])
}
