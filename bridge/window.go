package bridge

import (
	"context"
	"fmt"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
)

// budget is one run's view of the context window: what is known of the last
// prompt's size, and which results are elided from the requests.
type budget struct {
	window, reserve int
	elided          map[int]string // message index -> the note sent instead
	// From the last answer's usage: its prompt's tokens and message count,
	// and its completion's tokens (which the answer, once appended, costs).
	prompt, promptLen, completion int
	freed                         int     // estimated tokens elided from that prompt since
	scale                         float64 // the endpoint's tokens per estimated token, at least 1
}

func newBudget(window, reserve int) *budget {
	return &budget{window: window, reserve: reserve, elided: map[int]string{}, scale: 1}
}

// limit is the most a request's prompt may take, or 0 when unknown.
func (b *budget) limit() int {
	if b.window <= 0 {
		return 0
	}
	return b.window - b.reserve
}

// count estimates the prompt tokens of a request: the last reported prompt
// plus an estimate of what was added since, or a whole estimate when no
// usage is known yet.
func (b *budget) count(req glm.Request) int {
	msgs := req.Messages
	if b.prompt <= 0 || len(msgs) < b.promptLen {
		return b.scaled(EstimateRequestTokens(req))
	}
	n := b.prompt - b.freed
	if len(msgs) > b.promptLen {
		n += b.completion + b.scaled(EstimateTokens(msgs[b.promptLen+1:]))
	}
	return n
}

func (b *budget) scaled(n int) int { return int(float64(n)*b.scale + 0.5) }

// observe takes in the usage of the answer to req.
func (b *budget) observe(req glm.Request, u *glm.Usage) {
	if u == nil || u.PromptTokens <= 0 {
		return
	}
	b.prompt, b.promptLen, b.completion, b.freed = u.PromptTokens, len(req.Messages), u.CompletionTokens, 0
	if est := EstimateRequestTokens(req); est > 0 {
		b.scale = min(max(float64(u.PromptTokens)/float64(est), 1), 4)
	}
}

// fit compacts req's messages when they would pass the budget. When the
// endpoint has just refused the request as too long (refused), it frees at
// least a quarter of the request whatever the estimate says. It reports
// whether anything was elided.
func (st *runState) fit(ctx context.Context, step int, req *glm.Request, refused bool) (bool, error) {
	b := st.budget
	limit, count := b.limit(), b.count(*req)
	need := 0
	if limit > 0 {
		need = count - limit + limit/10 // a tenth of headroom, so the next step need not compact again
		if count <= limit {
			need = 0
		}
	}
	if refused {
		need = max(need, count/4)
	}
	if need <= 0 {
		return false, nil
	}
	msgs := append([]glm.Message(nil), req.Messages...)
	before := EstimateTokens(msgs)
	elided := elide(msgs, int(float64(need)/b.scale+0.5), latestRound(msgs))
	if len(elided) == 0 {
		return false, nil
	}
	rep := CompactReport{Before: before, After: EstimateTokens(msgs), Elided: elided}
	for _, e := range elided {
		b.elided[e.Index] = msgs[e.Index].Content
		if e.Index < b.promptLen {
			b.freed += b.scaled(e.Tokens)
		}
	}
	req.Messages = msgs
	st.res.Compactions = append(st.res.Compactions, rep)
	st.Logger.Info().Int("step", step).Int("elided", len(elided)).Int("before", rep.Before).Int("after", rep.After).Msg("compacted the conversation")
	st.emit(Event{Kind: EventCompact, Step: step, Compact: &rep, ContextWindow: b.window})
	if cr, ok := st.Recorder.(CompactionRecorder); ok {
		if err := cr.RecordCompaction(context.WithoutCancel(ctx), step, rep); err != nil {
			return true, fmt.Errorf("record compaction: %w", err)
		}
	}
	return true, nil
}

// account adds the usage of one answer to the run and reports it.
func (st *runState) account(step int, req glm.Request, resp *glm.Response) {
	if resp == nil || resp.Usage == nil {
		return
	}
	u := *resp.Usage
	st.res.Usage = st.res.Usage.Plus(u)
	st.budget.observe(req, &u)
	ev := Event{Kind: EventUsage, Step: step, Usage: u, ContextWindow: st.budget.window}
	if u.PromptTokens > 0 {
		ev.ContextUsed = u.PromptTokens + u.CompletionTokens
	}
	st.emit(ev)
}

// contextExceeded reports an endpoint saying the prompt is too long: code
// 1261 and its kin, or finish_reason model_context_window_exceeded.
func contextExceeded(err error) bool { return glm.IsContextExceeded(err) }

// defaultReserve is the room left for the answer: the request's own output
// limit, else an eighth of the window, and never more than half the window.
func defaultReserve(tmpl glm.Request, window int) int {
	r := window / 8
	switch {
	case tmpl.MaxTokens != nil:
		r = *tmpl.MaxTokens
	case tmpl.MaxCompletionTokens != nil:
		r = *tmpl.MaxCompletionTokens
	}
	return min(r, window/2)
}

// modelWindow is the context window of a model in glm's table, or 0.
func modelWindow(model string) int {
	if m, ok := glm.LookupModel(model); ok {
		return m.ContextWindow
	}
	return 0
}
