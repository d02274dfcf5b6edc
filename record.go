package main

import (
	"encoding/json"
	"path/filepath"

	"github.com/glm-mcp/glm-mcp/store"
	"github.com/glm-mcp/glm-mcp/toolkits/sqlite"
)

// transcriptDB resolves the store's path: the flag, else $GLM_MCP_DB, else
// $XDG_DATA_HOME/glm-mcp/transcripts.db (~/.local/share/...).
func (a *app) transcriptDB(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := a.getenv("GLM_MCP_DB"); p != "" {
		return p
	}
	return store.DefaultPath(a.getenv("XDG_DATA_HOME"), a.getenv("HOME"))
}

// toolConfigRecord is the tool configuration kept with a transcript, so that
// replay can run the same tools again.
type toolConfigRecord struct {
	Roots         []string `json:"roots"`
	Toolkits      string   `json:"toolkits"`
	SQLite        []string `json:"sqlite,omitempty"`
	SQLiteWrite   bool     `json:"sqlite_write,omitempty"`
	AllowHosts    []string `json:"allow_hosts,omitempty"`
	IgnoreRobots  bool     `json:"ignore_robots,omitempty"`
	MCPConfig     string   `json:"mcp_config,omitempty"`
	Tools         []string `json:"tools,omitempty"`
	ExcludeTools  []string `json:"exclude_tools,omitempty"`
	PrefixTools   bool     `json:"prefix_tools,omitempty"`
	MaxToolOutput int      `json:"max_tool_output,omitempty"`
}

func toolConfigJSON(tk *toolkitConfig, bc *bridgeConfig, maxToolOutput int) json.RawMessage {
	rec := toolConfigRecord{Toolkits: tk.Toolkits, AllowHosts: tk.AllowHosts, IgnoreRobots: tk.IgnoreRobots,
		Tools: bc.Tools, ExcludeTools: bc.ExcludeTools, PrefixTools: bc.PrefixTools, MaxToolOutput: maxToolOutput}
	roots := []string(tk.Roots)
	if len(roots) == 0 {
		roots = []string{"."}
	}
	for _, r := range roots {
		if abs, err := filepath.Abs(r); err == nil {
			r = abs
		}
		rec.Roots = append(rec.Roots, r)
	}
	if bc.MCPConfig != "" {
		rec.MCPConfig, _ = filepath.Abs(bc.MCPConfig)
	}
	rec.SQLiteWrite = tk.SQLiteWrite
	for _, spec := range tk.SQLite {
		if db, err := sqlite.ParseSpec(spec); err == nil {
			if abs, err := filepath.Abs(db.Path); err == nil {
				spec = db.Name + "=" + abs
			}
		}
		rec.SQLite = append(rec.SQLite, spec)
	}
	b, _ := json.Marshal(rec)
	return b
}

// apply sets the toolkit flags from a recorded configuration.
func (rec toolConfigRecord) apply(tk *toolkitConfig, bc *bridgeConfig) {
	tk.Roots, tk.Toolkits, tk.AllowHosts, tk.IgnoreRobots = rec.Roots, rec.Toolkits, rec.AllowHosts, rec.IgnoreRobots
	tk.SQLite, tk.SQLiteWrite = rec.SQLite, rec.SQLiteWrite
	bc.MCPConfig, bc.Tools, bc.ExcludeTools, bc.PrefixTools = rec.MCPConfig, rec.Tools, rec.ExcludeTools, rec.PrefixTools
}
