package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/glm-mcp/glm-mcp/store"
	"github.com/glm-mcp/glm-mcp/term"
)

// maxImportBytes bounds one export file read by import.
const maxImportBytes = 1 << 30

func (a *app) transcriptsImport(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("import", "import FILE... [--db PATH]", db)
	files, err := f.parse(args, 0, -1)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError("a file is needed: a json export (transcripts export ID), or - for standard input")
	}
	// Read and check every file before storing any, so that a bad one
	// imports nothing.
	ts := make([]*store.Transcript, len(files))
	for i, name := range files {
		if ts[i], err = a.readExport(ctx, name); err != nil {
			return err
		}
	}
	st, err := f.open(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, t := range ts {
		if err := st.Import(ctx, t); err != nil {
			return fmt.Errorf("%s: %w", files[i], err)
		}
		fmt.Fprintf(a.stdout, "imported %s  %s\n", t.ID, shorten(t.Title, 60))
	}
	return nil
}

// readExport reads a json export from a file, or from stdin for "-".
func (a *app) readExport(ctx context.Context, name string) (*store.Transcript, error) {
	b, err := readLimited(ctx, a, name)
	if errors.Is(err, term.ErrTooLong) || err == nil && len(b) > maxImportBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxImportBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var t store.Transcript
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s is not a transcript export (transcripts export ID --format json): %w", name, err)
	}
	if t.ID == "" {
		return nil, fmt.Errorf("%s is not a transcript export: it has no id", name)
	}
	return &t, nil
}

// readLimited reads a file, or stdin through the terminal's owner for "-",
// up to one byte past maxImportBytes.
func readLimited(ctx context.Context, a *app, name string) ([]byte, error) {
	if name == "-" {
		return a.terminal().ReadAll(ctx, maxImportBytes)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxImportBytes+1))
}
