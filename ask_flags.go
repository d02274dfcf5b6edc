package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/term"
)

// askConfig is the configuration of `glm-mcp ask`.
type askConfig struct {
	toolkitConfig
	bridgeConfig
	logConfig
	fileConfig

	Provider, BaseURL, Model, APIKeyEnv string
	Models                              []string // every --model given (replay --live asks each)

	MaxTokens, MaxCompletionTokens, N           optInt
	Temperature, TopP, FreqPenalty, PresPenalty optFloat
	NoStream                                    bool
	ToolChoice                                  string
	ParallelToolCalls                           bool
	ResponseFormat                              string
	Thinking                                    string
	Stop                                        stringList

	ReasoningEffort string
	ContextWindow   int
	Compact         bool

	ToolConcurrency int
	MaxSteps        int
	ToolTimeout     time.Duration
	MaxToolOutput   int

	HideReasoning bool
	Yes           bool
	JSON          bool
	Continue      string
	ContinueLast  bool
	System        string
	NoStore       bool
	DB            string

	Prompt string
}

// optInt and optFloat are flags that stay unset (nil) unless given, so that
// unset parameters are left out of the request.
type optInt struct{ v *int }

func (o *optInt) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.Itoa(*o.v)
}

func (o *optInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not a whole number: %q", s)
	}
	o.v = &n
	return nil
}

// modelFlag is --model: the last one given is the model; replay --live asks
// every one given.
type modelFlag struct{ cfg *askConfig }

func (m *modelFlag) String() string {
	if m.cfg == nil {
		return ""
	}
	return m.cfg.Model
}

func (m *modelFlag) Set(s string) error {
	m.cfg.Model = s
	m.cfg.Models = append(m.cfg.Models, s)
	return nil
}

type optFloat struct{ v *float64 }

func (o *optFloat) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.FormatFloat(*o.v, 'g', -1, 64)
}

func (o *optFloat) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	o.v = &f
	return nil
}

const askSynopsis = `ask [flags] PROMPT      (PROMPT "-", or no PROMPT with piped stdin, reads it from stdin)

Puts PROMPT to GLM-4.7 with glm-mcp's toolkits (and any --mcp-config servers)
attached as tools, runs the tool loop, streams the answer to stdout and saves
the transcript. Exit codes: 0 done, 1 error, 2 usage, 3 step limit reached,
4 the endpoint refused (authentication, account, quota, content filter), 130 interrupted.`

func (a *app) parseAsk(ctx context.Context, args []string) (*askConfig, error) {
	cfg := &askConfig{}
	rest, _, err := a.parseLoop(cfg, "ask", askSynopsis, args, cfg.registerConversation)
	if err != nil {
		return nil, err
	}
	if cfg.Prompt, err = a.readPrompt(ctx, rest); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseLoop parses the flags of a command that runs the loop (ask, chat,
// replay) into cfg: the shared flags, the command's own (extra), then the
// configuration file for what the command line left unset, then one
// validation. It returns the words that are not flags and the flag set.
func (a *app) parseLoop(cfg *askConfig, name, synopsis string, args []string, extra func(*flag.FlagSet)) ([]string, *flag.FlagSet, error) {
	fs := a.newFlagSet(name, synopsis)
	stream := cfg.register(fs)
	extra(fs)
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if err := a.applyConfig(fs, &cfg.fileConfig); err != nil {
		return nil, nil, err
	}
	cfg.fileServers = cfg.fileConfig.servers(a.getenv)
	cfg.NoStream = cfg.NoStream || !*stream
	if err := cfg.validate(); err != nil {
		return nil, nil, err
	}
	return rest, fs, nil
}

// validate checks the values every command of the loop shares (ask, chat,
// replay), before anything starts: limits, log settings, and the request
// parameters against GLM's ranges and the provider's profile.
func (c *askConfig) validate() error {
	if c.ContinueLast {
		if c.Continue != "" && c.Continue != "last" {
			return usageError("give --continue ID or -c, not both")
		}
		c.Continue = "last"
	}
	if c.Compact && c.Continue == "" {
		return usageError("--compact goes with --continue ID or -c")
	}
	if c.ContextWindow < 0 {
		return usageError("--context-window must be positive")
	}
	if c.Continue != "" && c.NoStore {
		return usageError("--continue needs the store; drop --no-store")
	}
	for _, lim := range []struct {
		name string
		bad  bool
	}{
		{"--tool-concurrency", c.ToolConcurrency < 1}, {"--max-steps", c.MaxSteps < 1},
		{"--max-tool-output", c.MaxToolOutput < 1}, {"--tool-timeout", c.ToolTimeout <= 0},
		{"--mcp-timeout", c.MCPTimeout <= 0},
	} {
		if lim.bad {
			return usageError("%s must be positive", lim.name)
		}
	}
	if _, err := c.newLogger(io.Discard); err != nil {
		return err
	}
	if _, err := c.enabled(); err != nil {
		return err
	}
	profile, err := glm.LookupProfile(c.Provider)
	if err != nil {
		return usageError("%v", err)
	}
	model := c.Model
	if model == "" {
		model = profile.Model
	}
	_, err = c.template(model, profile)
	return err
}

// register adds the flags ask and replay share. It returns --stream's value.
func (cfg *askConfig) register(fs *flag.FlagSet) *bool {
	cfg.toolkitConfig.register(fs)
	cfg.bridgeConfig.register(fs)
	cfg.fileConfig.register(fs)
	fs.StringVar(&cfg.Level, "log-level", "warn", "log level on stderr: debug, info, warn, error, disabled")
	fs.StringVar(&cfg.Format, "log-format", "console", "log format: json or console")
	fs.StringVar(&cfg.Provider, "provider", "zai", "endpoint profile: zai, zai-coding, bigmodel, aimlapi, openai-compatible")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "override the provider's base URL (the profile's capabilities stay)")
	fs.Var(&modelFlag{cfg}, "model", "model id (default: the provider's, glm-4.7; replay --live takes several)")
	fs.StringVar(&cfg.APIKeyEnv, "api-key-env", "", "environment variable holding the API key (default: the provider's, e.g. ZAI_API_KEY)")
	stream := cfg.registerRequest(fs)
	fs.StringVar(&cfg.ToolChoice, "tool-choice", "", "auto, none, required, or a tool name (emulated where the endpoint takes only auto)")
	fs.BoolVar(&cfg.ParallelToolCalls, "parallel-tool-calls", true, "let the model call several tools at once, run concurrently")
	fs.IntVar(&cfg.ContextWindow, "context-window", 0, "the model's context window in tokens (default: the model table's; needed for unknown models)")
	fs.IntVar(&cfg.ToolConcurrency, "tool-concurrency", 8, "most tool calls running at once")
	fs.IntVar(&cfg.MaxSteps, "max-steps", 20, "most completion calls in one run")
	fs.DurationVar(&cfg.ToolTimeout, "tool-timeout", 60*time.Second, "time limit of one tool call")
	fs.IntVar(&cfg.MaxToolOutput, "max-tool-output", 20000, "characters of one tool result sent to the model")
	fs.BoolVar(&cfg.HideReasoning, "hide-reasoning", false, "do not show the model's reasoning")
	fs.BoolVar(&cfg.Yes, "yes", false, "run tools that are not read-only without asking")
	fs.BoolVar(&cfg.JSON, "json", false, "print one JSON event per line instead of text")
	fs.StringVar(&cfg.DB, "db", "", "transcript database (default $GLM_MCP_DB, else $XDG_DATA_HOME/glm-mcp/transcripts.db)")
	return stream
}

// registerConversation adds the flags that start or continue a conversation
// (ask and chat).
func (c *askConfig) registerConversation(fs *flag.FlagSet) {
	fs.StringVar(&c.Continue, "continue", "", "continue the stored conversation ID (a unique prefix, or last)")
	fs.BoolVar(&c.ContinueLast, "c", false, "continue the latest conversation")
	fs.StringVar(&c.System, "system", "", "system prompt")
	fs.BoolVar(&c.NoStore, "no-store", false, "keep no transcript")
	fs.BoolVar(&c.Compact, "compact", false, "with --continue: replace the old tool results with short notes before asking")
}

// registerRequest adds the flags of the request's parameters. It returns
// --stream's value.
func (c *askConfig) registerRequest(fs *flag.FlagSet) *bool {
	fs.Var(&c.MaxTokens, "max-tokens", "max_tokens (1-131072)")
	fs.Var(&c.MaxCompletionTokens, "max-completion-tokens", "max_completion_tokens, reasoning included (1-131072)")
	fs.Var(&c.N, "n", "number of choices (1 or more; the loop follows the first)")
	fs.Var(&c.Temperature, "temperature", "sampling temperature (0-1)")
	fs.Var(&c.TopP, "top-p", "nucleus sampling (0.01-1)")
	fs.Var(&c.FreqPenalty, "frequency-penalty", "frequency_penalty (-2 to 2)")
	fs.Var(&c.PresPenalty, "presence-penalty", "presence_penalty (-2 to 2)")
	stream := fs.Bool("stream", true, "stream the answer (--no-stream or --stream=false to wait for it whole)")
	fs.BoolVar(&c.NoStream, "no-stream", false, "wait for each answer whole instead of streaming")
	fs.StringVar(&c.ResponseFormat, "response-format", "", "text, json_object, or @schema.json for a JSON schema")
	fs.StringVar(&c.Thinking, "thinking", "", "enabled or disabled (GLM thinks by default)")
	fs.StringVar(&c.ReasoningEffort, "reasoning-effort", "", "reasoning_effort where the endpoint takes it (e.g. low, medium, high)")
	fs.Var(&c.Stop, "stop", "a stop sequence (repeatable where the provider allows)")
	return stream
}

// parseInterleaved parses flags that may come before or after the prompt
// words; everything after "--" is prompt, even words that look like flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest, literal []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, literal = args[:i], args[i+1:]
	}
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return append(rest, literal...), nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// readPrompt joins the prompt words, or reads stdin for "-" or piped input.
// Words and piped text together make one prompt: the words, then the text
// (as `cat main.go | glm-mcp ask "explain"` means).
func (a *app) readPrompt(ctx context.Context, words []string) (string, error) {
	p := strings.TrimSpace(strings.Join(words, " "))
	fromStdin := len(words) == 1 && words[0] == "-"
	if fromStdin {
		p = ""
	}
	var piped string
	tio := a.terminal()
	if fromStdin || !tio.IsStdinTTY() {
		b, err := tio.ReadAll(ctx, maxPipedPrompt)
		if errors.Is(err, term.ErrTooLong) {
			return "", usageError("the text on stdin is over %d MiB; give a file to a tool instead", maxPipedPrompt>>20)
		}
		if err != nil {
			return "", fmt.Errorf("read the prompt from stdin: %w", err)
		}
		piped = strings.TrimSpace(string(b))
	}
	switch {
	case p != "" && piped != "":
		return p + "\n\n" + piped, nil
	case p != "":
		return p, nil
	case piped != "":
		return piped, nil
	case fromStdin || len(words) == 0 && !tio.IsStdinTTY():
		return "", usageError("the prompt on stdin is empty")
	}
	return "", usageError("give a prompt: glm-mcp ask \"what does main.go do?\" (or pipe it on stdin, or use glm-mcp chat)")
}

// maxPipedPrompt is the most text read from stdin into a prompt.
const maxPipedPrompt = 16 << 20

// template builds the request parameters every step shares, checked against
// GLM's ranges and what the provider accepts before any request is made.
func (c *askConfig) template(model string, profile glm.Profile) (glm.Request, error) {
	req := glm.Request{
		Model: model, Stream: !c.NoStream, MaxTokens: c.MaxTokens.v, MaxCompletionTokens: c.MaxCompletionTokens.v, N: c.N.v,
		Temperature: c.Temperature.v, TopP: c.TopP.v, FrequencyPenalty: c.FreqPenalty.v, PresencePenalty: c.PresPenalty.v, Stop: c.Stop,
		ReasoningEffort: c.ReasoningEffort,
	}
	if c.Thinking != "" {
		req.Thinking = &glm.Thinking{Type: c.Thinking}
	}
	switch {
	case c.ResponseFormat == "":
	case strings.HasPrefix(c.ResponseFormat, "@"):
		data, err := os.ReadFile(c.ResponseFormat[1:])
		if err != nil {
			return req, usageError("--response-format: %v", err)
		}
		var js glm.JSONSchema
		if err := json.Unmarshal(data, &js); err != nil || len(js.Schema) == 0 {
			var schema json.RawMessage
			if err := json.Unmarshal(data, &schema); err != nil {
				return req, usageError("--response-format %s is not JSON: %v", c.ResponseFormat, err)
			}
			js = glm.JSONSchema{Name: "response", Schema: schema}
		}
		req.ResponseFormat = &glm.ResponseFormat{Type: glm.FormatJSONSchema, JSONSchema: &js}
	case c.ResponseFormat == glm.FormatText || c.ResponseFormat == glm.FormatJSONObject:
		req.ResponseFormat = &glm.ResponseFormat{Type: c.ResponseFormat}
	default:
		return req, usageError("--response-format %q: use text, json_object or @schema.json", c.ResponseFormat)
	}
	check := req
	check.Messages = []glm.Message{{Role: glm.RoleUser, Content: "x"}}
	if err := check.Validate(); err != nil {
		var limit *glm.ModelLimitError
		if errors.As(err, &limit) {
			return req, usageError("--%s %d is more than %s can give: its largest output is %d tokens",
				strings.ReplaceAll(limit.Param, "_", "-"), limit.Value, limit.Model, limit.Limit)
		}
		return req, usageError("%v", err)
	}
	if err := profile.Check(&check); err != nil {
		return req, usageError("%v", err)
	}
	return req, nil
}

// toolChoice parses --tool-choice.
func (c *askConfig) toolChoice() *glm.ToolChoice {
	switch c.ToolChoice {
	case "":
		return nil
	case glm.ToolChoiceAuto, glm.ToolChoiceNone, glm.ToolChoiceRequired:
		return glm.ChooseMode(c.ToolChoice)
	default:
		return glm.ChooseFunction(c.ToolChoice)
	}
}

// isTerminal reports whether r is a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd())
}
