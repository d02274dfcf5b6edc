package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/glm-mcp/glm-mcp/config"
	"github.com/glm-mcp/glm-mcp/store"
)

const replaySynopsis = `replay ID|FILE... [--all] [--live [--model M]...] [--junit FILE] [--json] [flags]

Offline (the default): the recorded assistant turns play the model; every
recorded tool call runs again against today's tools, with the toolkit
configuration recorded with the transcript unless toolkit flags are given;
each result is compared with the recording (timings left out) and a changed
result shows only what changed. Exits 0 when every call is the same, 1 when
any changed or failed, 2 on usage errors.

Transcripts come from the store (IDs, unique prefixes, last, or --all) or from
files written by 'glm-mcp transcripts export ID --format json' (kept in a
repository, no store needed): a suite for CI, with --junit FILE and --json
reports. --cassette SERVER plays that external server's recorded results
instead of calling it (for servers that cannot run in CI).

A recorded --mcp-config is never started because a transcript names it: pass
--mcp-config again (or answer yes on a terminal) to run its servers.

--live: sends the transcript's prompts to the model again (with the recorded
provider, model and parameters unless flags say otherwise) and stores the run
as a new transcript linked to the original. Several --model flags re-ask each
model and print a side-by-side summary.`

// replayConfig is the configuration of `glm-mcp replay`.
type replayConfig struct {
	askConfig
	Live      bool
	All       bool
	JUnit     string
	Cassettes stringList
	Refs      []string
	set       map[string]bool // the flags given on the command line
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
	rest, _, err := a.parseLoop(&cfg.askConfig, "replay", replaySynopsis, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&cfg.Live, "live", false, "ask the model again and store the run as a new transcript")
		fs.BoolVar(&cfg.All, "all", false, "replay every transcript in the store (replays of replays left out)")
		fs.StringVar(&cfg.JUnit, "junit", "", "write a JUnit XML report to FILE (one test case per transcript)")
		fs.Var(&cfg.Cassettes, "cassette", "play this external server's recorded results instead of calling it (repeatable)")
		fs.StringVar(&cfg.System, "system", "", "with --live: the system prompt (default: the recorded one)")
		fs.BoolVar(&cfg.NoStore, "no-store", false, "with --live: keep no transcript of the new run")
	})
	if err != nil {
		return nil, err
	}
	switch {
	case len(rest) == 0 && !cfg.All:
		return nil, usageError("give transcript ids (a unique prefix, or last), export files, or --all")
	case len(rest) > 0 && cfg.All:
		return nil, usageError("give transcript ids or --all, not both")
	case cfg.Live && (cfg.JUnit != "" || len(cfg.Cassettes) > 0):
		return nil, usageError("--junit and --cassette are for offline replay, not --live")
	}
	cfg.Refs = rest
	// What the command line gave (not the configuration file's values, which
	// must not replace a transcript's recorded tools and parameters).
	cfg.set = map[string]bool{}
	for name, o := range cfg.fileConfig.origins {
		if o.Source == config.FromFlag {
			cfg.set[name] = true
		}
	}
	return cfg, nil
}

func (a *app) replay(ctx context.Context, args []string) error {
	cfg, err := a.parseReplay(args)
	if err != nil {
		return err
	}
	a.keyEnv = cfg.APIKeyEnv
	in, err := a.replayInputs(ctx, cfg)
	if err != nil {
		return err
	}
	defer in.Close()
	if cfg.Live {
		return a.replayLiveAll(ctx, cfg, in)
	}
	return a.replayOfflineAll(ctx, cfg, in.items)
}

// replayInputs are the transcripts to replay and the store, if one was opened.
type replayInputs struct {
	items []replayItem
	st    *store.Store
}

// replayItem is one transcript and where it came from ("store", or its file).
type replayItem struct {
	t      *store.Transcript
	source string
}

// Close closes the store.
func (in *replayInputs) Close() {
	if in.st != nil {
		in.st.Close()
	}
}

// replayInputs loads the transcripts named by files, ids or --all. The store
// is opened only when an id, --all or --live needs it.
func (a *app) replayInputs(ctx context.Context, cfg *replayConfig) (*replayInputs, error) {
	in := &replayInputs{}
	needStore := cfg.All || cfg.Live && !cfg.NoStore
	var ids []string
	for _, ref := range cfg.Refs {
		if t, ok, err := readExportFile(ref); err != nil {
			return nil, err
		} else if ok {
			in.items = append(in.items, replayItem{t, ref})
			continue
		}
		ids = append(ids, ref)
		needStore = true
	}
	if !needStore {
		return in, nil
	}
	st, err := store.Open(ctx, a.transcriptDB(cfg.DB))
	if err != nil {
		return nil, err
	}
	in.st = st
	if cfg.All {
		list, err := st.List(ctx, 0)
		if err != nil {
			in.Close()
			return nil, err
		}
		for i := len(list) - 1; i >= 0; i-- { // oldest first
			if list[i].Relation != store.RelationReplay {
				ids = append(ids, list[i].ID)
			}
		}
	}
	for _, ref := range ids {
		id, err := st.Resolve(ctx, ref)
		if err != nil {
			in.Close()
			return nil, usageError("%v", err)
		}
		t, err := st.Get(ctx, id)
		if err != nil {
			in.Close()
			return nil, err
		}
		in.items = append(in.items, replayItem{t, "store"})
	}
	return in, nil
}

// readExportFile reads a `transcripts export --format json` file; ok is
// false when ref is not a file (it is then an id).
func readExportFile(ref string) (*store.Transcript, bool, error) {
	fi, err := os.Stat(ref)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false, nil
	}
	data, err := os.ReadFile(ref)
	if err != nil {
		return nil, false, err
	}
	var t store.Transcript
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, false, usageError("%s is not a transcript export (glm-mcp transcripts export ID --format json): %v", ref, err)
	}
	return &t, true, nil
}

// applyRecordedTools sets the tools a transcript was recorded with, unless
// toolkit flags were given. What the recording would reach is shown first;
// a recorded external-server file is started only with the user's consent.
func (a *app) applyRecordedTools(ctx context.Context, cfg *replayConfig, t *store.Transcript) error {
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
		if a.confirm(ctx, fmt.Sprintf("Start the external MCP servers of %s, as recorded with %s?", rec.MCPConfig, t.ID)) {
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
