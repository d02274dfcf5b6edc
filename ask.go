package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/conversation"
	"github.com/glm-mcp/glm-mcp/store"
)

// More exit codes of ask.
const (
	exitMaxSteps    = 3
	exitRefused     = 4
	exitInterrupted = 130
)

// exitCodeError carries a command's exit code other than 1.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

func (a *app) ask(ctx context.Context, args []string) error {
	cfg, err := a.parseAsk(ctx, args)
	if err != nil {
		return err
	}
	m, st, conv, err := a.openSession(ctx, cfg, "ask", store.TranscriptMeta{Title: cfg.Prompt})
	if err != nil {
		return err
	}
	defer m.Close()
	defer closeStore(st)
	start := time.Now()
	r := m.runner(cfg, a.approver(cfg), a.render(cfg).event)
	_, runErr := conv.Turn(ctx, r, cfg.Prompt)
	return a.finishRun(ctx, cfg, m.client.Model(), conv, runErr, start)
}

// openSession sets up the model and tools, opens the store (unless
// --no-store) and starts the conversation: what ask and chat both begin
// with. The caller closes m and the store (closeStore) on success.
func (a *app) openSession(ctx context.Context, cfg *askConfig, cmd string, meta store.TranscriptMeta) (*modelSetup, *store.Store, *conversation.Conversation, error) {
	m, err := a.setupModel(ctx, cfg, cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := a.openStore(ctx, cfg)
	if err != nil {
		m.Close()
		return nil, nil, nil, err
	}
	conv, err := a.startConversation(ctx, cfg, m, st, meta)
	if err != nil {
		closeStore(st)
		m.Close()
		return nil, nil, nil, err
	}
	return m, st, conv, nil
}

// closeStore closes st, if a store was opened.
func closeStore(st *store.Store) {
	if st != nil {
		st.Close()
	}
}

// modelSetup is what a command that talks to the model builds from its
// configuration: the completion client, the request template, the tools.
type modelSetup struct {
	client *glm.Client
	tmpl   glm.Request
	sess   *toolSession
	logger zerolog.Logger
}

// Close stops the tools.
func (m *modelSetup) Close() { m.sess.Close() }

// setupModel builds the client and the tools, checking everything a request
// would be refused for before any is made.
func (a *app) setupModel(ctx context.Context, cfg *askConfig, cmd string) (*modelSetup, error) {
	logger, err := cfg.newLogger(a.stderr)
	if err != nil {
		return nil, err
	}
	client, err := a.newGLMClient(cfg, logger)
	if err != nil {
		return nil, err
	}
	tmpl, err := cfg.template(client.Model(), client.Profile())
	if err != nil {
		return nil, err
	}
	sess, err := a.openTools(ctx, &cfg.toolkitConfig, &cfg.bridgeConfig, logger, func(err error) {
		fmt.Fprintf(a.stderr, "glm-mcp %s: %v (its tools are left out)\n", cmd, err)
	})
	if err != nil {
		return nil, err
	}
	if name := cfg.toolChoice(); name != nil && name.Function != "" {
		if _, ok := sess.Catalog.Lookup(name.Function); !ok {
			sess.Close()
			return nil, usageError("--tool-choice %q is not a tool on offer (tools: %s)", name.Function, strings.Join(sess.Catalog.Names(), ", "))
		}
	}
	return &modelSetup{client: client, tmpl: tmpl, sess: sess, logger: logger}, nil
}

// runner is the tool loop as the flags set it up; a conversation fills in
// the recorder for each turn.
func (m *modelSetup) runner(cfg *askConfig, approve bridge.Approver, observe func(bridge.Event)) bridge.Runner {
	return bridge.Runner{
		Model: m.client, Catalog: m.sess.Catalog, Template: m.tmpl, ToolChoice: cfg.toolChoice(),
		ParallelToolCalls: cfg.ParallelToolCalls, ToolConcurrency: cfg.ToolConcurrency, MaxSteps: cfg.MaxSteps,
		ToolTimeout: cfg.ToolTimeout, MaxToolOutput: cfg.MaxToolOutput, ContextWindow: cfg.ContextWindow,
		Approve: approve, Observer: observe, Logger: m.logger,
	}
}

// newGLMClient builds the completion client from the provider flags.
func (a *app) newGLMClient(cfg *askConfig, logger zerolog.Logger) (*glm.Client, error) {
	profile, err := glm.LookupProfile(cfg.Provider)
	if err != nil {
		return nil, usageError("%v", err)
	}
	keyEnv := profile.KeyEnv
	if cfg.APIKeyEnv != "" {
		keyEnv = cfg.APIKeyEnv
	}
	key := a.getenv(keyEnv)
	if key == "" && !profile.KeyOptional {
		return nil, usageError("no API key: set %s (or name another variable with --api-key-env)", keyEnv)
	}
	profile.KeyEnv = keyEnv
	a.keyEnv = keyEnv
	gc := glm.Config{Profile: profile, BaseURL: cfg.BaseURL, Model: cfg.Model, APIKey: key, Logger: logger, UserAgent: "glm-mcp/" + buildVersion()}
	if !cfg.JSON && isTerminal(a.stderr) {
		// A person is watching: a retry is one dim line among the run's
		// output, not a log record (it is still logged at debug level).
		gc.OnRetry = func(r glm.Retry) {
			line := fmt.Sprintf("⟳ attempt %d of %d in %s · %v", r.Attempt+1, r.MaxAttempts, fmtDur(r.Wait), r.Err)
			a.render(cfg).note(shorten(line, max(a.terminal().Width()-1, 40)))
		}
	}
	c, err := glm.NewClient(gc)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return c, nil
}

// openStore opens the transcript database, or returns nil with --no-store.
func (a *app) openStore(ctx context.Context, cfg *askConfig) (*store.Store, error) {
	if cfg.NoStore {
		return nil, nil
	}
	st, err := store.Open(ctx, a.transcriptDB(cfg.DB))
	if errors.Is(err, store.ErrTooNew) {
		return nil, fmt.Errorf("%w; or give another database with --db, or run with --no-store", err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (--no-store runs without keeping a transcript)", err)
	}
	if set, err := cfg.enabled(); err == nil && set["sqlite"] && len(cfg.SQLite) > 0 {
		// The toolkit's statements share SQLite's heap limit with the store
		// and give it back within their timeout.
		st.SetHeapWait(cfg.SQLiteTimeout + 2*time.Second)
	}
	return st, nil
}

// startConversation starts the transcript of a run: a new one, or one that
// continues --continue's conversation. meta carries what the caller knows
// (title, parent); provider, model, parameters and tools are filled in here.
func (a *app) startConversation(ctx context.Context, cfg *askConfig, m *modelSetup, st *store.Store, meta store.TranscriptMeta) (*conversation.Conversation, error) {
	prof := m.client.Profile()
	meta.Provider, meta.BaseURL, meta.Model = prof.Name, prof.BaseURL, m.tmpl.Model
	if cfg.BaseURL != "" {
		meta.BaseURL = cfg.BaseURL
	}
	params := m.tmpl
	params.Messages = nil
	meta.Params, _ = json.Marshal(params)
	meta.ToolConfig = toolConfigJSON(&cfg.toolkitConfig, &cfg.bridgeConfig, cfg.MaxToolOutput)
	opts := conversation.Options{Store: st, Meta: meta, System: cfg.System}
	if cfg.Continue != "" {
		parent, prior, err := conversation.Resume(ctx, st, cfg.Continue)
		if err != nil {
			return nil, usageError("--continue: %v", err)
		}
		opts.Prior = prior
		if cfg.Compact {
			var rep bridge.CompactReport
			opts.Prior, rep = bridge.Compact(prior, 0)
			fmt.Fprintf(a.stderr, "glm-mcp: --compact: %s\n", rep)
		}
		if opts.Meta.ParentID == "" {
			opts.Meta.ParentID, opts.Meta.Relation = parent.ID, store.RelationContinue
		}
	}
	return conversation.Start(ctx, opts)
}

// finishRun records the outcome, prints the closing line and maps the
// outcome to an exit code.
func (a *app) finishRun(ctx context.Context, cfg *askConfig, model string, conv *conversation.Conversation, runErr error, start time.Time) error {
	d := doneInfo{Status: conversation.Status(runErr), Steps: conv.Steps(), Usage: conv.Usage(), start: start, Transcript: conv.ID(), model: model}
	if c, ok := costOf(d.Usage, model); ok {
		d.Cost = &c
	}
	if runErr != nil {
		d.Error = errorText(runErr)
	}
	if err := conv.Finish(ctx, runErr); err != nil {
		fmt.Fprintf(a.stderr, "glm-mcp: saving the transcript's status: %v\n", err)
	}
	a.render(cfg).done(d)
	if runErr == nil {
		return nil
	}
	return &exitCodeError{code: exitCode(runErr), err: errShown}
}

// errorText is a run's error as the user reads it, with the flag to change
// where one would help (libraries name no flags).
func errorText(err error) string {
	text := conversation.ErrorText(err)
	switch {
	case errors.Is(err, bridge.ErrMaxSteps):
		text += "; raise --max-steps or narrow the question"
	case errors.Is(err, bridge.ErrNoToolCalls):
		text += " (twice); try again, or another --model"
	}
	return text
}

// errShown marks an error already reported to the user.
var errShown = errors.New("(reported above)")

// exitCode maps a run's error to the process's exit code.
func exitCode(err error) int {
	var apiErr *glm.APIError
	var finErr *glm.FinishError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, bridge.ErrMaxSteps):
		return exitMaxSteps
	case errors.As(err, &apiErr) && (apiErr.Kind == glm.KindAuth || apiErr.Kind == glm.KindQuota || apiErr.Kind == glm.KindAccount || apiErr.Kind == glm.KindContentFilter):
		return exitRefused
	case errors.As(err, &finErr) && finErr.Kind() == glm.KindContentFilter:
		return exitRefused
	}
	return exitError
}
