package main

import (
	"fmt"
	"strconv"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// usageMinus is what a turn added to the conversation's usage.
func usageMinus(after, before glm.Usage) glm.Usage {
	return glm.Usage{
		PromptTokens: after.PromptTokens - before.PromptTokens, CompletionTokens: after.CompletionTokens - before.CompletionTokens,
		TotalTokens: after.TotalTokens - before.TotalTokens, ReasoningTokens: after.ReasoningTokens - before.ReasoningTokens,
		CachedTokens: after.CachedTokens - before.CachedTokens,
	}
}

// priceOverrides are prices from the configuration file, by model id; they
// win over the built-in table.
var priceOverrides = map[string]glm.Price{}

// priceOf is a model's price: the configuration's, else the table's.
func priceOf(model string) (glm.Price, bool) {
	if p, ok := priceOverrides[model]; ok {
		return p, true
	}
	m, ok := glm.LookupModel(model)
	if !ok || m.Price == (glm.Price{}) {
		return glm.Price{}, false
	}
	return m.Price, true
}

// costOf is the price of usage on model, and whether the price is known.
func costOf(u glm.Usage, model string) (float64, bool) {
	p, ok := priceOf(model)
	if !ok {
		return 0, false
	}
	return p.Cost(u.PromptTokens, u.CachedTokens, u.CompletionTokens), true
}

// costLine is "$0.0123", or "" when the model's price is unknown.
func costLine(u glm.Usage, model string) string {
	c, ok := costOf(u, model)
	if !ok {
		return ""
	}
	return fmtCost(c)
}

func fmtCost(c float64) string {
	switch {
	case c == 0:
		return "$0"
	case c < 0.01:
		return fmt.Sprintf("$%.4f", c)
	}
	return fmt.Sprintf("$%.2f", c)
}

// usageLine is the tokens of a run and, when known, their cost.
func usageLine(u glm.Usage, models ...string) string {
	line := fmt.Sprintf("%d tokens (%d prompt, %d completion", u.TotalTokens, u.PromptTokens, u.CompletionTokens)
	if u.ReasoningTokens > 0 {
		line += fmt.Sprintf(", %d reasoning", u.ReasoningTokens)
	}
	line += ")"
	for _, m := range models {
		if c := costLine(u, m); m != "" && c != "" {
			return line + " · " + c
		}
	}
	return line
}

// windowOf is the context window for model: --context-window, else the
// model table's, else 0 (unknown).
func windowOf(model string, cfg *askConfig) int {
	if cfg.ContextWindow > 0 {
		return cfg.ContextWindow
	}
	if m, ok := glm.LookupModel(model); ok {
		return m.ContextWindow
	}
	return 0
}

// contextLine says how full the model's window was at the last request.
func contextLine(promptTokens int, model string, cfg *askConfig) string {
	w := windowOf(model, cfg)
	if w <= 0 || promptTokens <= 0 {
		return ""
	}
	pct := fmt.Sprintf("%d%%", (promptTokens*100+w/2)/w)
	if promptTokens*100 < w/2 {
		pct = "<1%"
	}
	return fmt.Sprintf("context %s of %s (%s)", approxTokens(promptTokens), fmtTokens(w), pct)
}

// approxTokens writes a token count the way the footer reads at a glance:
// 950, 4.9K, 131K.
func approxTokens(n int) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 99_950:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "K"
	default:
		return fmt.Sprintf("%dK", (n+500)/1000)
	}
}

func fmtTokens(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dK", n/1000)
	}
	return fmt.Sprint(n)
}
