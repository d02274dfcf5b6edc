package glm

import (
	"slices"
	"strings"
)

// Model describes a known GLM model.
type Model struct {
	ID            string // e.g. "glm-4.7"
	ContextWindow int    // tokens
	MaxOutput     int    // largest max_tokens accepted
	Thinking      bool   // supports the thinking parameter
	ToolStream    bool   // supports tool_stream
	Price         Price  // USD per million tokens (zero when unknown/free)
	Source        string // where the figures come from (URL or doc name) and the date read
}

// Price is a model's price in USD per million tokens.
type Price struct{ Input, CachedInput, Output float64 }

// Cost returns the price of the given token counts in USD. cachedPrompt is the part of prompt
// served from the cache, billed at CachedInput instead of Input.
func (p Price) Cost(prompt, cachedPrompt, completion int) float64 {
	cachedPrompt = min(max(cachedPrompt, 0), max(prompt, 0))
	fresh := max(prompt, 0) - cachedPrompt
	return (float64(fresh)*p.Input + float64(cachedPrompt)*p.CachedInput +
		float64(max(completion, 0))*p.Output) / 1e6
}

// Sources of the model table, read 2026-12-01 through the library's search of stored pages (no
// live request). Z.ai's own pages (docs.z.ai/guides/overview/pricing, docs.z.ai/guides/llm/*)
// were not stored; the figures below come from copies that cite them. See the package doc.
const (
	srcPricing = "prices: docs.z.ai/guides/overview/pricing as copied in ryoppippi/ccusage " +
		"pricing.rs (\"Source: https://docs.z.ai/guides/overview/pricing\"), read 2026-12-01"
	src45 = srcPricing + "; window 128K and output 96K: Z.ai's GLM-4.5 page as summarised by " +
		"hexdocs.pm/agentic Agentic.LLM.Provider.Zai (131k ctx), read 2026-12-01; " +
		"tool_stream: GLM-API.md (GLM-4.6 and later)"
	src46 = srcPricing + "; window 200K, output 128K: getmaxim.ai model library (glm-4.6) and " +
		"openclaw zai plugin (glm-4.7: 204800/131072), read 2026-12-01; window kept at 200000"
	srcFlash   = "free: Z.ai pricing as copied in ccusage (glm-4.5-flash 0/0/0), read 2026-12-01"
	src47Flash = "window 200000, output 131072, and a price 0.07/0/0.40 in the openclaw zai " +
		"plugin; Z.ai's pricing page lists GLM-4.7-Flash as free (not stored here, so not " +
		"verified); price left at zero, read 2026-12-01"
	src47FlashX = "openclaw zai plugin: window 200000, output 128000, price 0.06/0.01/0.40, " +
		"read 2026-12-01 (Z.ai's own page not stored)"
	src5 = srcPricing + "; window 200K, output 128K: getmaxim.ai model library (glm-5), " +
		"OpenRouter z-ai/glm-5 (202,752), read 2026-12-01; window kept at 200000"
	src5Turbo = srcPricing + "; window 200K, output 128K: openclaw zai plugin (202800/131100) " +
		"and docs.wolffi.sh/configuration/zai, read 2026-12-01; kept at 200000/128000"
	src51 = srcPricing + "; window 200K, output 128K: getmaxim.ai model library (glm-5.1) and " +
		"runware.ai (\"200K ... up to 128K output\"), read 2026-12-01 (Venice serves 80K output)"
	src52 = "price 1.40/0.26/4.40 and 1M context: docs.wolffi.sh/configuration/zai, " +
		"BlockRunAI/ClawRouter v0.12.211 (1M context, 262K max output); output 128K (131072): " +
		"docs.anyfast.ai glm-5.2 API reference (1 <= max_tokens <= 131072), read 2026-12-01; " +
		"window kept at 1000000, output at the smaller 131072"
	src53 = "OpenRouter ~z-ai/glm-latest (GLM 5.3): 1,048,576 context, 131,072 output, " +
		"1.40/0.26/4.40; Coding Plan first, pay-per-use API from 2026-08-19 " +
		"(VladoIvankovic/Codeep v2.20.0), read 2026-12-01; window kept at 1000000"
)

// knownModels is the model table, in the order Models returns it.
var knownModels = []Model{
	{ID: "glm-4.5", ContextWindow: 128000, MaxOutput: 98304, Thinking: true,
		Price: Price{0.6, 0.11, 2.2}, Source: src45},
	{ID: "glm-4.5-air", ContextWindow: 128000, MaxOutput: 98304, Thinking: true,
		Price: Price{0.2, 0.03, 1.1}, Source: src45},
	{ID: "glm-4.5-flash", ContextWindow: 128000, MaxOutput: 98304, Thinking: true,
		Source: srcFlash + "; window and output as glm-4.5 (not found for -flash itself)"},
	{ID: "glm-4.6", ContextWindow: 200000, MaxOutput: 131072, Thinking: true, ToolStream: true,
		Price: Price{0.6, 0.11, 2.2}, Source: src46},
	{ID: "glm-4.7", ContextWindow: 200000, MaxOutput: 131072, Thinking: true, ToolStream: true,
		Price: Price{0.6, 0.11, 2.2}, Source: src46},
	{ID: "glm-4.7-flash", ContextWindow: 200000, MaxOutput: 131072, Thinking: true,
		ToolStream: true, Source: src47Flash},
	{ID: "glm-4.7-flashx", ContextWindow: 200000, MaxOutput: 128000, Thinking: true,
		ToolStream: true, Price: Price{0.06, 0.01, 0.4}, Source: src47FlashX},
	{ID: "glm-5", ContextWindow: 200000, MaxOutput: 128000, Thinking: true, ToolStream: true,
		Price: Price{1, 0.2, 3.2}, Source: src5},
	{ID: "glm-5-turbo", ContextWindow: 200000, MaxOutput: 128000, Thinking: true,
		ToolStream: true, Price: Price{1.2, 0.24, 4}, Source: src5Turbo},
	{ID: "glm-5.1", ContextWindow: 200000, MaxOutput: 128000, Thinking: true, ToolStream: true,
		Price: Price{1.4, 0.26, 4.4}, Source: src51},
	{ID: "glm-5.2", ContextWindow: 1000000, MaxOutput: 131072, Thinking: true, ToolStream: true,
		Price: Price{1.4, 0.26, 4.4}, Source: src52},
	{ID: "glm-5.3", ContextWindow: 1000000, MaxOutput: 131072, Thinking: true, ToolStream: true,
		Price: Price{1.4, 0.26, 4.4}, Source: src53},
}

// LookupModel returns the known model with this id (case-insensitive), and whether it is known.
// A provider prefix such as "zhipu/" or "z-ai/" is ignored.
func LookupModel(id string) (Model, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	for _, m := range knownModels {
		if m.ID == id {
			return m, true
		}
	}
	return Model{}, false
}

// Models lists the known models in a stable order.
func Models() []Model { return slices.Clone(knownModels) }
