package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
	"github.com/glm-mcp/glm-mcp/webui"
)

const transcriptsUsage = `Usage: glm-mcp transcripts [--db PATH] COMMAND [flags]

List, search, show, serve, export, import and remove stored transcripts.

Commands:
  list [--limit N] [--json]        the newest transcripts, as a table or as JSON, with their
                                   cost and links (continues ID, replays ID)
  search QUERY [--limit N] [--json]
                                   full-text search of prompts, answers, reasoning, tool
                                   arguments and results, newest first; every word must occur,
                                   word* matches a prefix; matches are marked **like this**
  show ID [--json]                 one transcript, rendered for reading or as JSON
  serve [--addr 127.0.0.1:0]       a local web page to browse, search and read transcripts
                                   (loopback only; the URL is printed)
  export ID [--format json|markdown|openai|html]
                                   one transcript as a document (default json); openai is the
                                   messages array, ready to send again; html is the web page
                                   as one self-contained file
  import FILE...                   store transcripts from json exports ("-": standard input)
  rm ID...                         delete transcripts; those continuing them lose the link

ID is a transcript id, a unique prefix of one (case does not matter), or "last" for the newest.
The database is --db, else $GLM_MCP_DB, else $XDG_DATA_HOME/glm-mcp/transcripts.db
(~/.local/share/glm-mcp/transcripts.db).

Run 'glm-mcp transcripts COMMAND -h' for a command's flags.
`

// transcripts dispatches to a transcripts subcommand.
func (a *app) transcripts(ctx context.Context, args []string) error {
	top := flag.NewFlagSet("transcripts", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	top.Usage = func() { fmt.Fprint(a.stdout, transcriptsUsage) }
	db := top.String("db", "", "the transcript database")
	if err := parseFlags(top, args); err != nil {
		return err
	}
	if top.NArg() == 0 {
		fmt.Fprint(a.stderr, transcriptsUsage)
		return usageError("a command is needed: list, search, show, serve, export, import or rm")
	}
	cmd, rest := top.Arg(0), top.Args()[1:]
	a.loadPrices()
	switch cmd {
	case "list", "ls":
		return a.transcriptsList(ctx, *db, rest)
	case "show":
		return a.transcriptsShow(ctx, *db, rest)
	case "export":
		return a.transcriptsExport(ctx, *db, rest)
	case "search":
		return a.transcriptsSearch(ctx, *db, rest)
	case "serve":
		return a.transcriptsServe(ctx, *db, rest)
	case "import":
		return a.transcriptsImport(ctx, *db, rest)
	case "rm", "delete":
		return a.transcriptsRemove(ctx, *db, rest)
	case "help":
		fmt.Fprint(a.stdout, transcriptsUsage)
		return nil
	}
	return usageError("unknown command %q: choose list, search, show, serve, export, import or rm", cmd)
}

// transcriptFlags are the flags every subcommand takes.
type transcriptFlags struct {
	fs *flag.FlagSet
	db string
	// reads: the command only reads, so a database it may not write is
	// opened read-only rather than refused.
	reads bool
}

func (a *app) transcriptFlagSet(name, synopsis, db string) *transcriptFlags {
	f := &transcriptFlags{fs: a.newFlagSet("transcripts "+name, "transcripts "+synopsis), reads: name != "rm" && name != "import"}
	f.fs.StringVar(&f.db, "db", db, "the transcript database (default $GLM_MCP_DB, else $XDG_DATA_HOME/glm-mcp/transcripts.db)")
	return f
}

// parse parses flags placed before, between or after the positional
// arguments (`show last --json`) and checks how many of those there are.
func (f *transcriptFlags) parse(args []string, minArgs, maxArgs int) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(f.fs, args); err != nil {
			return nil, err
		}
		consumed := len(args) - f.fs.NArg()
		if consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, f.fs.Args()...)
			break
		}
		if f.fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, f.fs.Arg(0)), f.fs.Args()[1:]
	}
	switch {
	case len(pos) < minArgs:
		return nil, usageError("a transcript ID is needed (an id, a unique prefix of one, or last)")
	case maxArgs >= 0 && len(pos) > maxArgs:
		return nil, usageError("unexpected arguments: %s", strings.Join(pos[maxArgs:], " "))
	}
	return pos, nil
}

// open opens the store named by --db or the environment.
func (f *transcriptFlags) open(ctx context.Context, a *app) (*store.Store, error) {
	path := a.transcriptDB(f.db)
	if path == "" {
		return nil, errors.New("no place for the transcript database: give --db PATH, or set GLM_MCP_DB or HOME")
	}
	st, err := store.Open(ctx, path)
	if errors.Is(err, store.ErrReadOnly) && f.reads {
		st, err = store.OpenReadOnly(ctx, path)
	}
	if errors.Is(err, store.ErrTooNew) {
		err = fmt.Errorf("%w; or give another database with --db", err)
	}
	return st, err
}

func (a *app) transcriptsList(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("list", "list [--limit N] [--json] [--db PATH]", db)
	limit := f.fs.Int("limit", 20, "how many transcripts to list, newest first (0: all)")
	asJSON := f.fs.Bool("json", false, "print a JSON array instead of a table")
	if _, err := f.parse(args, 0, 0); err != nil {
		return err
	}
	if *limit < 0 {
		return usageError("--limit %d: give 0 (all) or more", *limit)
	}
	st, err := f.open(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.List(ctx, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(a.stderr, "no transcripts yet in %s\n", st.Path())
		return nil
	}
	return a.listTable(list)
}

// listTable prints the summaries as a table; on a terminal statuses are coloured.
func (a *app) listTable(list []store.Summary) error {
	col := newColours(a.stdout, a.getenv)
	ids := make([]string, 0, 2*len(list))
	for _, s := range list {
		ids = append(ids, s.ID)
		if s.ParentID != "" {
			ids = append(ids, s.ParentID)
		}
	}
	short := shortIDs(ids, 10)
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tSTATUS\tMODEL\tSTEPS\tTOKENS\tCOST\tLINK\tTITLE")
	for _, s := range list {
		// Every status colour code has the same length, so tabwriter, which
		// counts them as text, still aligns the columns.
		fmt.Fprintf(tw, "%s\t%s\t%s%s%s\t%s\t%d\t%d\t%s\t%s\t%s\n", short[s.ID], s.Created.Local().Format("2006-01-02 15:04"),
			col.status(s.Status), s.Status, col.reset(), s.Model, s.Steps, s.Usage.TotalTokens,
			cmp.Or(transcriptCost(s.Model, s.Usage), "-"), cmp.Or(linkText(s, short[s.ParentID]), "-"), shorten(s.Title, 60))
	}
	return tw.Flush()
}

// linkText says how a transcript is linked to its parent: "continues ID",
// "replays ID", or "".
func linkText(s store.Summary, parent string) string {
	switch {
	case s.ParentID == "":
		return ""
	case s.Relation == store.RelationReplay:
		return "replays " + parent
	}
	return "continues " + parent
}

// shortIDs maps each id to its shortest prefix of at least minLen
// characters that no other of the ids shares. The first 10 characters of
// an id are its creation time to the millisecond.
func shortIDs(ids []string, minLen int) map[string]string {
	sorted := slices.Sorted(slices.Values(ids))
	out := make(map[string]string, len(ids))
	for i, id := range sorted {
		n := minLen
		if i > 0 {
			n = max(n, commonPrefix(id, sorted[i-1])+1)
		}
		if i+1 < len(sorted) {
			n = max(n, commonPrefix(id, sorted[i+1])+1)
		}
		out[id] = id[:min(n, len(id))]
	}
	return out
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func (a *app) transcriptsShow(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("show", "show ID [--json] [--db PATH]", db)
	asJSON := f.fs.Bool("json", false, "print the transcript as JSON (the export format)")
	t, err := f.load(ctx, a, args, nil)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, t)
	}
	return a.showText(ctx, t)
}

// load parses the flags, runs check on them if given, and reads the one
// transcript named by the argument.
func (f *transcriptFlags) load(ctx context.Context, a *app, args []string, check func() error) (*store.Transcript, error) {
	pos, err := f.parse(args, 1, 1)
	if err == nil && check != nil {
		err = check()
	}
	if err != nil {
		return nil, err
	}
	st, err := f.open(ctx, a)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	id, err := st.Resolve(ctx, pos[0])
	if err != nil {
		return nil, err
	}
	return st.Get(ctx, id)
}

func (a *app) transcriptsExport(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("export", "export ID [--format json|markdown|openai|html] [--db PATH]", db)
	format := f.fs.String("format", "json", "json (the whole transcript), markdown (for reading), openai (the messages array) "+
		"or html (the web page as one file)")
	write := map[string]func(t *store.Transcript) error{
		"json":     func(t *store.Transcript) error { return writeJSON(a.stdout, t) },
		"markdown": func(t *store.Transcript) error { return writeMarkdown(a.stdout, t) },
		"openai": func(t *store.Transcript) error {
			msgs, err := conversation.WireMessages(t)
			if err != nil {
				return err
			}
			return writeJSON(a.stdout, msgs)
		},
		"html": func(t *store.Transcript) error {
			return webui.WritePage(a.stdout, t, webui.Options{Cost: transcriptCost})
		},
	}
	t, err := f.load(ctx, a, args, func() error {
		if write[*format] == nil {
			return usageError("--format %q: choose json, markdown, openai or html", *format)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return write[*format](t)
}

func (a *app) transcriptsRemove(ctx context.Context, db string, args []string) error {
	f := a.transcriptFlagSet("rm", "rm ID... [--db PATH]", db)
	pos, err := f.parse(args, 1, -1)
	if err != nil {
		return err
	}
	st, err := f.open(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	// Resolve every argument before deleting anything, so that a typo
	// removes nothing.
	var ids []string
	for _, ref := range pos {
		id, err := st.Resolve(ctx, ref)
		if err != nil {
			return err
		}
		t, err := st.Get(ctx, id)
		if err != nil {
			return err
		}
		if t.Status == store.StatusRunning {
			return fmt.Errorf("transcript %s is still being written by a running glm-mcp; remove it when that has finished", id)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		unlinked, err := st.Delete(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "removed %s", id)
		if unlinked > 0 {
			fmt.Fprintf(a.stdout, " (%d transcripts that continued or replayed it are unlinked)", unlinked)
		}
		fmt.Fprintln(a.stdout)
	}
	return nil
}

// writeJSON prints v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// colours holds the escape codes to use: all empty off a terminal, or when
// NO_COLOR is set (https://no-color.org) or TERM is dumb.
type colours struct {
	on bool
}

func newColours(w io.Writer, getenv func(string) string) colours {
	return colours{on: isTerminal(w) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"}
}

func (c colours) code(s string) string {
	if !c.on {
		return ""
	}
	return s
}

func (c colours) dim() string   { return c.code(dim) }
func (c colours) bold() string  { return c.code("\x1b[1m") }
func (c colours) red() string   { return c.code("\x1b[31m") }
func (c colours) reset() string { return c.code(reset) }

// status is the colour of a status: green done, red failed, cyan running,
// yellow stopped short (cancelled, max_steps).
func (c colours) status(s string) string {
	switch s {
	case store.StatusDone:
		return c.code("\x1b[32m")
	case store.StatusError, store.StatusInterrupted:
		return c.red()
	case store.StatusRunning:
		return c.code("\x1b[36m")
	}
	return c.code("\x1b[33m")
}

// renderTranscript writes a transcript for reading: its facts, each message
// under its role, reasoning dimmed, each tool call with its arguments and
// outcome, each tool result, and the usage of every completion.
func renderTranscript(w io.Writer, t *store.Transcript, c colours) error {
	return renderTranscriptMD(w, t, c, nil)
}

// renderTranscriptMD is renderTranscript with the prompts and answers put
// through md (Markdown for a terminal) when md is not nil.
func renderTranscriptMD(w io.Writer, t *store.Transcript, c colours, md func(string) string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s%s  %s%s%s\n", c.bold(), t.ID, c.reset(), c.status(t.Status), t.Status, c.reset())
	if t.Title != "" {
		fmt.Fprintf(&b, "%s\n", t.Title)
	}
	fmt.Fprintf(&b, "%s%s · %s %s · %s · %s%s%s\n", c.dim(), t.Created.Local().Format("2006-01-02 15:04:05"),
		t.Provider, t.Model, count(t.Steps, "step"), store.UsageText(t.Usage), costSuffix(t.Model, t.Usage), c.reset())
	if t.ParentID != "" {
		fmt.Fprintf(&b, "%s of %s\n", t.Relation, t.ParentID)
	}
	if t.Error != "" {
		fmt.Fprintf(&b, "%serror: %s%s\n", c.red(), t.Error, c.reset())
	}
	names := map[string]string{}
	for _, m := range t.Messages {
		calls, err := store.ParseToolCalls(m.ToolCalls)
		if err != nil {
			return fmt.Errorf("message %d: %w", m.Seq, err)
		}
		renderMessage(&b, t, m, calls, names, c, md)
	}
	if len(t.Completions) > 0 {
		fmt.Fprintf(&b, "\n%s── usage ──%s\n", c.bold(), c.reset())
		for _, cp := range t.Completions {
			fmt.Fprintf(&b, "step %d  HTTP %d  %s", cp.Step, cp.HTTPStatus, fmtDur(cp.Latency))
			if cp.Usage != (store.Usage{}) {
				fmt.Fprintf(&b, "  %s%s", store.UsageText(cp.Usage), costSuffix(t.Model, cp.Usage))
			}
			if cp.Error != "" {
				fmt.Fprintf(&b, "  %s%s%s", c.red(), cp.Error, c.reset())
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func renderMessage(b *strings.Builder, t *store.Transcript, m store.Message, calls []store.ToolCall, names map[string]string,
	c colours, md func(string) string) {
	header := m.Role
	if m.Role == "tool" {
		header = fmt.Sprintf("tool %s [%s]", names[m.ToolCallID], m.ToolCallID)
	}
	fmt.Fprintf(b, "\n%s── %s ──%s\n", c.bold(), header, c.reset())
	if m.Reasoning != "" {
		fmt.Fprintf(b, "%s%s%s\n", c.dim(), strings.TrimSpace(m.Reasoning), c.reset())
	}
	switch {
	case m.Content == "":
	case md != nil && m.Role != "tool":
		fmt.Fprintf(b, "%s\n", md(m.Content))
	default:
		fmt.Fprintf(b, "%s\n", strings.TrimRight(m.Content, "\n"))
	}
	for _, call := range calls {
		names[call.ID] = call.Name
		fmt.Fprintf(b, "→ %s %s  [%s]\n", call.Name, call.Arguments, call.ID)
		if e, ok := t.Execution(call.ID); ok {
			col := c.dim()
			if e.IsError {
				col = c.red()
			}
			fmt.Fprintf(b, "  %s%s %s · %s%s\n", col, mark(e.IsError), e.Outcome(), fmtDur(e.Duration), c.reset())
		}
	}
}
