package main

import (
	"io"
	"time"

	"github.com/rs/zerolog"
)

// logConfig holds the logging flags.
type logConfig struct {
	Level  string
	Format string
}

// newLogger builds the stderr logger from --log-level and --log-format.
func (c logConfig) newLogger(w io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(c.Level)
	if err != nil || c.Level == "" {
		return zerolog.Nop(), usageError("unknown --log-level %q (debug, info, warn, error, disabled)", c.Level)
	}
	switch c.Format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: true}
	default:
		return zerolog.Nop(), usageError("unknown --log-format %q (json or console)", c.Format)
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}
