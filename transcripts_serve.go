package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/glm-mcp/glm-mcp/webui"
)

func (a *app) transcriptsServe(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("serve", "serve [--addr 127.0.0.1:0] [--db PATH]", db)
	addr := f.fs.String("addr", "127.0.0.1:0", "the loopback address and port to listen on (port 0: a free one)")
	if _, err := f.parse(args, 0, 0); err != nil {
		return err
	}
	ln, err := webui.Listen(ctx, *addr)
	if errors.Is(err, webui.ErrNotLoopback) {
		return usageError("--addr %s: %v (127.0.0.1, ::1 or localhost): the pages show every transcript, "+
			"to anyone who can reach the port", *addr, webui.ErrNotLoopback)
	}
	if err != nil {
		return err
	}
	st, err := f.open(ctx, a)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.Close()
	// The URL alone on stdout, for scripts; how to stop on stderr.
	fmt.Fprintln(a.stdout, webui.URL(ln))
	fmt.Fprintf(a.stderr, "serving the transcripts of %s on %s; Ctrl-C stops\n", st.Path(), webui.URL(ln))
	return webui.Serve(ctx, ln, webui.Handler(st, webui.Options{Cost: transcriptCost}))
}
