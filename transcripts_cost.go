package main

import (
	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// Costs of stored transcripts come from the one price table of usage.go
// (the configuration file's prices, else glm's table of known models), so
// that `transcripts list`, `show`, the web page and the closing line of
// `ask` agree.

// glmUsageOf converts stored token counts for the price table.
func glmUsageOf(u store.Usage) glm.Usage {
	return glm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens,
		CachedTokens: u.CachedTokens, ReasoningTokens: u.ReasoningTokens}
}

// transcriptCost is the cost of stored usage on model ("$0.0123"), or ""
// when the model's price is not known. It is the web page's CostFunc.
func transcriptCost(model string, u store.Usage) string {
	return costLine(glmUsageOf(u), model)
}

// costSuffix is " · $0.0123" for show's lines, or "" when the price is not known.
func costSuffix(model string, u store.Usage) string {
	if u == (store.Usage{}) {
		return ""
	}
	if c := transcriptCost(model, u); c != "" {
		return " · " + c
	}
	return ""
}
