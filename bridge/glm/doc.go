// Package glm is the bridge's client for the GLM-4.7 chat-completions endpoint: wire types,
// provider profiles, streaming, typed errors and safe retries. It speaks the format described in
// GLM-API.md, and its tests replay the recorded and documented traffic kept in testdata.
//
// A Profile (zai, zai-coding, bigmodel, aimlapi, openai-compatible) names the endpoint and says
// what it accepts; Config.BaseURL moves the endpoint and keeps those rules. The library never
// reads the environment: the caller passes the key, and the profile only names the variable
// the user should set, for error messages.
//
//	p, _ := glm.LookupProfile("zai")
//	c, err := glm.NewClient(glm.Config{Profile: p, APIKey: key, Logger: log})
//	resp, err := c.Complete(ctx, glm.Request{
//		Messages: []glm.Message{{Role: glm.RoleUser, Content: "hi"}},
//		Stream:   true,
//	}, func(ev glm.Event) { /* reasoning, content and tool-call deltas, usage */ })
//
// Complete returns one Response whether the answer was streamed or not. Failures come as
// *ParamError (refused before sending, with the allowed range), *APIError (status, provider
// code, kind, retryable), *StreamError (a stream broken after output, with the partial
// Response) or the context's error; an answer cut by the content filter, the token limit, the
// context window or a provider network error is a Response whose Err method returns a
// *FinishError. Only rate limits, server errors and connections lost before any output are
// retried, with jittered exponential backoff or the server's Retry-After.
//
// The SSE reader (SSEReader), the stream assembler (Assembler) and the tool-call assembler
// (ToolCallAssembler) are separate types, fuzzed directly.
//
// # What the wire taught
//
// A tool call at "index": -1 (glm-4.5-flash) has no index: calls are then told apart by id. An
// "event: error" frame, like a data: {"error":…} frame, becomes an *APIError. OpenRouter's
// "reasoning" and "reasoning_details" deltas are kept as Message.ReasoningContent and
// Message.ReasoningDetails, and sent back the same way. Response.MissingToolCalls flags an
// answer that ended with finish_reason "tool_calls" but carried no call. Encode sends the
// arguments of earlier tool calls that are not a JSON object as "{}" (SanitizeArguments).
// IsContextExceeded recognises error 1261 and finish_reason FinishContextWindowExceeded.
// Account codes 1110–1112, 1120, 1121, permission 1220, duplicate request_id 1231 and the daily
// limit 1304 are not retried; 409 is; an x-should-retry header overrides either way. The API key
// goes only to the endpoint's own origin: a redirect elsewhere is not followed
// (ErrCrossOriginRedirect). A name that does not resolve ("no such host") is not retried.
//
// # Known models
//
// LookupModel knows the models below; Request.Validate refuses a max_tokens or
// max_completion_tokens above a known model's largest output (*ModelLimitError) and tool_stream
// for a model without it. Windows and outputs are in tokens, prices in USD per million tokens
// (input / cached input / output). Z.ai's own pages could not be read from here (no network);
// each figure comes from a page that copies or cites them, all read 2026-12-01, and where two
// sources differ the smaller window or output is kept. Model.Source says which, per model.
//
//	model           window     output  thinking tool_stream  price               source
//	glm-4.5         128000      98304  yes      no           0.60/0.11/2.20      [1] [2] [6]
//	glm-4.5-air     128000      98304  yes      no           0.20/0.03/1.10      [1] [2] [6]
//	glm-4.5-flash   128000      98304  yes      no           free                [1]; window as glm-4.5
//	glm-4.6         200000     131072  yes      yes          0.60/0.11/2.20      [1] [3] [4]
//	glm-4.7         200000     131072  yes      yes          0.60/0.11/2.20      [1] [3] [4]
//	glm-4.7-flash   200000     131072  yes      yes          free (unverified)   [4]
//	glm-4.7-flashx  200000     128000  yes      yes          0.06/0.01/0.40      [4]
//	glm-5           200000     128000  yes      yes          1.00/0.20/3.20      [1] [3] [5]
//	glm-5-turbo     200000     128000  yes      yes          1.20/0.24/4.00      [1] [4] [7]
//	glm-5.1         200000     128000  yes      yes          1.40/0.26/4.40      [1] [3] [8]
//	glm-5.2        1000000     131072  yes      yes          1.40/0.26/4.40      [7] [9] [10]
//	glm-5.3        1000000     131072  yes      yes          1.40/0.26/4.40      [11] [12]
//
//	[1] docs.z.ai/guides/overview/pricing, as copied in ryoppippi/ccusage rust/crates/ccusage/src/pricing.rs
//	[2] hexdocs.pm/agentic, Agentic.LLM.Provider.Zai (glm-4.5 131k context)
//	[3] getmaxim.ai/bifrost model library (200K context, 128K output)
//	[4] openclaw extensions/zai/openclaw.plugin.json (windows, max tokens, prices)
//	[5] openrouter.ai/z-ai/glm-5 (202,752 context)
//	[6] GLM-API.md: tool_stream is for GLM-4.6 and later
//	[7] docs.wolffi.sh/configuration/zai (GLM-5.x prices, glm-5.2 1M context)
//	[8] runware.ai/docs/models/zai-glm-5-1 (200K context, 128K output)
//	[9] BlockRunAI/ClawRouter release v0.12.211 (glm-5.2: 1M context)
//	[10] docs.anyfast.ai glm-5.2 API reference (max_tokens up to 131072)
//	[11] openrouter.ai/~z-ai/glm-latest (GLM 5.3: 1,048,576 context, 131,072 output)
//	[12] VladoIvankovic/Codeep v2.20.0 (GLM-5.3 on the pay-per-use API from 2026-08-19,
//	     on the Coding Plan first)
//
// Not found: Z.ai's own figure for glm-4.5-flash's window (glm-4.5's is used) and a verified
// price for glm-4.7-flash (Z.ai's pricing page is remembered as listing it free; one plugin
// charges 0.07/0.40; left at zero). Vision and code variants (glm-5v-turbo, glm-5-code) are not
// listed: unknown ids still work, checked against MaxTokensLimit only.
//
// # Performance
//
// Reading and assembling a 5,005-chunk stream (1,500 reasoning deltas, 1,500 content deltas,
// two tool calls in 2,000 tool_stream fragments, the final chunk twice; 1.07 MB), measured with
//
//	go test -run='^$' -bench=BenchmarkParseStream -benchtime=3s -count=5 ./bridge/glm/
//
// on a shared 2-core AMD EPYC while other builds kept the load average between 6 and 14: 19 to
// 33 MB/s in seven of ten runs (the best about 6.4 µs per chunk), 2 to 5 MB/s in three runs
// starved of CPU at load 10 and above; 13.8 allocations per chunk, 4.2 MB allocated per stream. Most of the time and of the
// allocations go to encoding/json decoding each chunk. A model streams tens to hundreds of
// chunks a second, so parsing costs well under 0.1% of a core.
package glm
