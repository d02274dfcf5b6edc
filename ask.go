package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/glm-mcp/glm-mcp/bridge"
	"github.com/glm-mcp/glm-mcp/bridge/glm"
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
	cfg, err := a.parseAsk(args)
	if err != nil {
		return err
	}
	logger, err := cfg.newLogger(a.stderr)
	if err != nil {
		return err
	}
	client, err := a.newGLMClient(cfg, logger)
	if err != nil {
		return err
	}
	tmpl, err := cfg.template(client.Model(), client.Profile())
	if err != nil {
		return err
	}
	sess, err := a.openTools(ctx, &cfg.toolkitConfig, &cfg.bridgeConfig, logger, func(err error) { fmt.Fprintf(a.stderr, "glm-mcp ask: %v (its tools are left out)\n", err) })
	if err != nil {
		return err
	}
	defer sess.Close()
	if name := cfg.toolChoice(); name != nil && name.Function != "" {
		if _, ok := sess.Catalog.Lookup(name.Function); !ok {
			return usageError("--tool-choice %q is not a tool on offer (tools: %s)", name.Function, strings.Join(sess.Catalog.Names(), ", "))
		}
	}

	run := &askRun{app: a, cfg: cfg, start: time.Now()}
	msgs, err := run.openTranscript(ctx, client, tmpl)
	if err != nil {
		return err
	}
	if run.st != nil {
		defer run.st.Close()
	}
	res, runErr := run.runner(client, sess, tmpl, logger).Run(ctx, msgs)
	return run.finish(ctx, res, runErr)
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
	c, err := glm.NewClient(glm.Config{Profile: profile, BaseURL: cfg.BaseURL, Model: cfg.Model, APIKey: key, Logger: logger, UserAgent: "glm-mcp/" + buildVersion()})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return c, nil
}

// askRun is one ask invocation's transcript and output.
type askRun struct {
	app   *app
	cfg   *askConfig
	start time.Time
	st    *store.Store
	rec   *storeRecorder
	r     renderer
}

// runner builds the tool loop from the flags, rendering and recording this run.
func (run *askRun) runner(client *glm.Client, sess *toolSession, tmpl glm.Request, logger zerolog.Logger) *bridge.Runner {
	cfg := run.cfg
	r := &bridge.Runner{
		Model: client, Catalog: sess.Catalog, Template: tmpl, ToolChoice: cfg.toolChoice(),
		ParallelToolCalls: cfg.ParallelToolCalls, ToolConcurrency: cfg.ToolConcurrency, MaxSteps: cfg.MaxSteps,
		ToolTimeout: cfg.ToolTimeout, MaxToolOutput: cfg.MaxToolOutput, Approve: run.app.approver(cfg),
		Observer: run.render().event, Logger: logger,
	}
	if run.rec != nil {
		r.Recorder = run.rec
	}
	return r
}

func (run *askRun) render() renderer {
	if run.r == nil {
		a := run.app
		if run.cfg.JSON {
			run.r = &jsonRenderer{enc: json.NewEncoder(a.stdout)}
		} else {
			run.r = &textRenderer{out: a.stdout, errw: a.stderr, tty: isTerminal(a.stderr), hideReasoning: run.cfg.HideReasoning, atLineStart: true}
		}
	}
	return run.r
}

// openTranscript opens the store (unless --no-store), loads the conversation
// being continued, creates the new transcript and records the messages that
// start it. It returns the conversation to send.
func (run *askRun) openTranscript(ctx context.Context, client *glm.Client, tmpl glm.Request) ([]glm.Message, error) {
	cfg := run.cfg
	var msgs []glm.Message
	if cfg.System != "" {
		msgs = append(msgs, glm.Message{Role: glm.RoleSystem, Content: cfg.System})
	}
	user := glm.Message{Role: glm.RoleUser, Content: cfg.Prompt}
	if cfg.NoStore {
		return append(msgs, user), nil
	}
	st, err := store.Open(ctx, run.app.transcriptDB(cfg.DB))
	if err != nil {
		return nil, err
	}
	run.st = st
	meta := store.TranscriptMeta{Title: cfg.Prompt, Provider: client.Profile().Name, BaseURL: client.Profile().BaseURL, Model: client.Model(),
		ToolConfig: toolConfigJSON(&cfg.toolkitConfig, &cfg.bridgeConfig, cfg.MaxToolOutput)}
	if cfg.BaseURL != "" {
		meta.BaseURL = cfg.BaseURL
	}
	params := tmpl
	params.Messages = nil
	meta.Params, _ = json.Marshal(params)
	if cfg.Continue != "" {
		parent, err := st.Resolve(ctx, cfg.Continue)
		if err != nil {
			return nil, usageError("--continue: %v", err)
		}
		t, err := st.Get(ctx, parent)
		if err != nil {
			return nil, err
		}
		prior, err := storedMessages(t)
		if err != nil {
			return nil, err
		}
		if cfg.System != "" && len(prior) > 0 && prior[0].Role == glm.RoleSystem {
			prior = prior[1:] // the new system prompt replaces the old one
			msgs = append(msgs, prior...)
		} else {
			msgs = prior
			if cfg.System != "" {
				msgs = append([]glm.Message{{Role: glm.RoleSystem, Content: cfg.System}}, prior...)
			}
		}
		meta.ParentID, meta.Relation = parent, store.RelationContinue
		if n := len(msgs); n > 0 && msgs[n-1].Role == glm.RoleUser {
			// The last prompt got no answer (the run failed): ask both at once
			// rather than send two user turns in a row, which GLM refuses.
			user.Content = msgs[n-1].Content + "\n\n" + user.Content
			msgs = msgs[:n-1]
		}
	}
	msgs = append(msgs, user)
	id, err := st.CreateTranscript(ctx, meta)
	if err != nil {
		return nil, err
	}
	run.rec = &storeRecorder{st: st, id: id}
	for _, m := range msgs {
		if err := run.rec.RecordMessage(ctx, m); err != nil {
			return nil, err
		}
	}
	return msgs, nil
}

// finish records the outcome, prints the closing line and maps the outcome
// to an exit code.
func (run *askRun) finish(ctx context.Context, res *bridge.Result, runErr error) error {
	status, code := outcome(runErr)
	d := doneInfo{Status: status, Steps: res.Steps, Usage: res.Usage, start: run.start}
	if runErr != nil {
		d.Error = runErr.Error()
	}
	if run.rec != nil {
		d.Transcript = run.rec.id
		if err := run.st.FinishTranscript(context.WithoutCancel(ctx), run.rec.id, status, d.Error); err != nil {
			fmt.Fprintf(run.app.stderr, "glm-mcp ask: saving the transcript's status: %v\n", err)
		}
	}
	run.render().done(d)
	if runErr == nil {
		return nil
	}
	return &exitCodeError{code: code, err: errShown}
}

// errShown marks an error already reported to the user.
var errShown = errors.New("(reported above)")

// outcome maps a run's error to a transcript status and an exit code.
func outcome(err error) (string, int) {
	var apiErr *glm.APIError
	var finErr *glm.FinishError
	switch {
	case err == nil:
		return store.StatusDone, exitOK
	case errors.Is(err, context.Canceled):
		return store.StatusCancelled, exitInterrupted
	case errors.Is(err, bridge.ErrMaxSteps):
		return store.StatusMaxSteps, exitMaxSteps
	case errors.As(err, &apiErr) && (apiErr.Kind == glm.KindAuth || apiErr.Kind == glm.KindQuota || apiErr.Kind == glm.KindContentFilter):
		return store.StatusError, exitRefused
	case errors.As(err, &finErr) && finErr.Kind() == glm.KindContentFilter:
		return store.StatusError, exitRefused
	}
	return store.StatusError, exitError
}

// approver asks on a terminal before a tool that is not read-only runs;
// without a terminal it refuses, unless --yes.
func (a *app) approver(cfg *askConfig) bridge.Approver {
	if cfg.Yes {
		return func(context.Context, *bridge.Tool, string) (bool, string) { return true, "" }
	}
	if !isTerminal(a.stdin) || !isTerminal(a.stderr) {
		return nil // the runner refuses, saying how to allow it
	}
	var mu sync.Mutex
	var once sync.Once
	lines := make(chan string, 8)
	readLines := func() { // started at the first prompt, then one reader for the run
		in := bufio.NewReader(a.stdin)
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- line
		}
	}
	return func(ctx context.Context, t *bridge.Tool, args string) (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			return false, "not run: the run was cancelled"
		}
		once.Do(func() { go readLines() })
		// The whole arguments: what would run must not hide behind a cut.
		fmt.Fprintf(a.stderr, "\nAllow %s (from %s; it is not read-only) with these arguments?\n%s\n[y/N] ", t.Name, t.Server.Name, args)
		select {
		case line := <-lines:
			if ans := strings.ToLower(strings.TrimSpace(line)); ans == "y" || ans == "yes" {
				return true, ""
			}
		case <-ctx.Done():
			fmt.Fprintln(a.stderr)
			return false, "not run: the run was cancelled while waiting for the user's approval"
		}
		return false, fmt.Sprintf("not run: the user declined %s", t.Name)
	}
}
