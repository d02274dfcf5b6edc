package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/store"
)

const replaySynopsis = `replay ID... [--live] [flags]

Offline (the default): the recorded assistant turns play the model; every
recorded tool call runs again against today's tools, with the toolkit
configuration recorded with the transcript unless toolkit flags are given;
each result is compared with the recording (timings left out). Prints a
per-call report and exits 1 if anything differs.

A recorded --mcp-config is never started because a transcript names it: pass
--mcp-config again (or answer yes on a terminal) to run its servers.

--live: sends the transcript's prompts to the model again (with the recorded
provider, model and parameters unless flags say otherwise) and stores the run
as a new transcript linked to the original.`

// replayConfig is the configuration of `glm-mcp replay`.
type replayConfig struct {
	askConfig
	Live bool
	Refs []string
	set  map[string]bool // the flags given on the command line
}

// flagNames lists the flags that register adds, so that sets of flag names
// are derived from the one registration, never copied.
func flagNames(register func(fs *flag.FlagSet)) map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// toolkitFlagNames are the flags that replace a transcript's recorded tools.
var toolkitFlagNames = flagNames(func(fs *flag.FlagSet) {
	(&toolkitConfig{}).register(fs)
	(&bridgeConfig{}).register(fs)
})

// samplingFlagNames are the flags whose values replace the recorded parameters.
var samplingFlagNames = flagNames(func(fs *flag.FlagSet) { (&askConfig{}).registerRequest(fs) })

func (a *app) parseReplay(args []string) (*replayConfig, error) {
	cfg := &replayConfig{}
	fs := a.newFlagSet("replay", replaySynopsis)
	stream := cfg.register(fs)
	fs.BoolVar(&cfg.Live, "live", false, "ask the model again and store the run as a new transcript")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, err
	}
	if len(rest) != 1 {
		return nil, usageError("give one transcript id (a unique prefix, or last)")
	}
	cfg.Refs = rest
	cfg.NoStream = cfg.NoStream || !*stream
	cfg.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { cfg.set[f.Name] = true })
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (a *app) replay(ctx context.Context, args []string) error {
	cfg, err := a.parseReplay(args)
	if err != nil {
		return err
	}
	a.keyEnv = cfg.APIKeyEnv
	st, err := store.Open(ctx, a.transcriptDB(cfg.DB))
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := st.Resolve(ctx, cfg.Refs[0])
	if err != nil {
		return usageError("%v", err)
	}
	t, err := st.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := a.applyRecordedTools(cfg, t); err != nil {
		return err
	}
	if cfg.Live {
		return a.replayLive(ctx, cfg, st, t)
	}
	logger, err := cfg.newLogger(a.stderr)
	if err != nil {
		return err
	}
	sess, err := a.openTools(ctx, &cfg.toolkitConfig, &cfg.bridgeConfig, logger, func(err error) { fmt.Fprintf(a.stderr, "glm-mcp replay: %v\n", err) })
	if err != nil {
		return err
	}
	defer sess.Close()
	runner := &bridge.Runner{Catalog: sess.Catalog, ToolTimeout: cfg.ToolTimeout, MaxToolOutput: cfg.MaxToolOutput, Approve: a.approver(&cfg.askConfig), Logger: logger}
	return a.replayOffline(ctx, t, runner)
}

// applyRecordedTools sets the tools a transcript was recorded with, unless
// toolkit flags were given. What the recording would reach is shown first;
// a recorded external-server file is started only with the user's consent.
func (a *app) applyRecordedTools(cfg *replayConfig, t *store.Transcript) error {
	var rec toolConfigRecord
	if len(t.ToolConfig) > 0 {
		if err := json.Unmarshal(t.ToolConfig, &rec); err != nil {
			return fmt.Errorf("transcript %s: recorded tool configuration: %w", t.ID, err)
		}
	}
	if !cfg.set["max-tool-output"] && rec.MaxToolOutput > 0 {
		cfg.MaxToolOutput = rec.MaxToolOutput
	}
	if anySet(cfg.set, toolkitFlagNames) || len(t.ToolConfig) == 0 {
		return nil
	}
	rec.apply(&cfg.toolkitConfig, &cfg.bridgeConfig)
	fmt.Fprintf(a.stderr, "glm-mcp replay: using the tools recorded with %s: %s (toolkit flags such as --root replace them)\n", t.ID, rec.describe())
	if rec.MCPConfig != "" {
		cfg.MCPConfig = ""
		if a.confirm(fmt.Sprintf("Start the external MCP servers of %s, as recorded with %s?", rec.MCPConfig, t.ID)) {
			cfg.MCPConfig = rec.MCPConfig
		} else {
			fmt.Fprintf(a.stderr, "glm-mcp replay: not starting the recorded external servers of %s; pass --mcp-config %s to run them\n", rec.MCPConfig, rec.MCPConfig)
		}
	}
	return nil
}

func anySet(set, names map[string]bool) bool {
	for n := range set {
		if names[n] {
			return true
		}
	}
	return false
}

// describe says what a recorded configuration gives access to.
func (rec toolConfigRecord) describe() string {
	parts := []string{"toolkits " + rec.Toolkits}
	if len(rec.Roots) > 0 {
		parts = append(parts, "roots "+strings.Join(rec.Roots, ", "))
	}
	if len(rec.SQLite) > 0 {
		parts = append(parts, "databases "+strings.Join(rec.SQLite, ", "))
	}
	if len(rec.AllowHosts) > 0 {
		parts = append(parts, "allowed hosts "+strings.Join(rec.AllowHosts, ", "))
	}
	if rec.MCPConfig != "" {
		parts = append(parts, "external servers of "+rec.MCPConfig)
	}
	return strings.Join(parts, "; ")
}
