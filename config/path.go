package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Path chooses the configuration file: flagValue (the --config flag), else
// envValue (GLM_MCP_CONFIG), else $XDG_CONFIG_HOME/glm-mcp/config.toml, else
// HOME/.config/glm-mcp/config.toml. A relative XDG_CONFIG_HOME is ignored, as
// the XDG spec says. explicit reports whether the user named the file (flag or
// environment), in which case a missing file is an error; path is "" when
// there is nowhere to look.
func Path(flagValue, envValue, xdgConfigHome, home string) (path string, explicit bool) {
	switch {
	case flagValue != "":
		return flagValue, true
	case envValue != "":
		return envValue, true
	case xdgConfigHome != "" && filepath.IsAbs(xdgConfigHome):
		return filepath.Join(xdgConfigHome, "glm-mcp", "config.toml"), false
	case home != "":
		return filepath.Join(home, ".config", "glm-mcp", "config.toml"), false
	}
	return "", false
}

// Init writes InitTemplate to path, creating its folder (0700). It never
// overwrites: an existing file is ErrExists.
func Init(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create config folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: %w", path, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create config file: %w", err)
	}
	if _, err := f.WriteString(InitTemplate()); err != nil {
		f.Close()
		return fmt.Errorf("write config file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	return nil
}
