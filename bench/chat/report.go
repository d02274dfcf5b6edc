package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// stats is the median and 95th percentile (nearest rank) of a sample.
type stats struct{ median, p95, min time.Duration }

func summarize(d []time.Duration) stats {
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return stats{}
	}
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	k := (95*n + 99) / 100 // ceil(0.95 n)
	return stats{median: med, p95: s[k-1], min: s[0]}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// report prints the Markdown table and its notes, and says whether the
// median of (a), of (b) or of their sum per turn (PRODUCT.md's stricter
// reading) is over the target.
func report(w io.Writer, c config, ct chatTimes, cat, sh []time.Duration) (over bool) {
	a, b := ct.a[c.warmup:], ct.b[c.warmup:]
	sum := make([]time.Duration, len(a))
	for i := range a {
		sum[i] = a[i] + b[i]
	}
	sa, sb, ss := summarize(a), summarize(b), summarize(sum)
	scat, ssh := summarize(cat[c.warmup:]), summarize(sh[c.warmup:])
	target := "< " + ms(c.target)
	fmt.Fprintf(w, "| metric (%d turns each, in one pty harness) | median | p95 | target |\n", c.n)
	fmt.Fprintln(w, "|---|---:|---:|---|")
	rows := []struct {
		name   string
		s      stats
		target string
	}{
		{"glm-mcp chat (a): Enter → completion request at the endpoint", sa, target},
		{"glm-mcp chat (b): last token written → prompt back on screen", sb, target},
		{"glm-mcp chat (a)+(b): the turn's own overhead", ss, target},
		{"baseline `cat`: Enter → the line echoed back", scat, "—"},
		{"baseline `sh` read loop: Enter → its prompt back", ssh, "—"},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.name, ms(r.s.median), ms(r.s.p95), r.target)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "glm-mcp over the plumbing (medians): (a)+(b) %s − `sh` loop %s = %s.\n",
		ms(ss.median), ms(ssh.median), ms(ss.median-ssh.median))
	fmt.Fprintf(w, "First (cold) turn, not in the table: (a) %s, (b) %s; %d warm-up turn(s) before the %d measured.\n",
		ms(ct.a[0]), ms(ct.b[0]), c.warmup, c.n)
	fmt.Fprintf(w, "Clock: one process, monotonic. Enter is dated just before its write to the pty; the request when\n"+
		"the endpoint's handler starts (headers parsed); the last token just before the endpoint's one write of it with\n"+
		"the finish chunk and [DONE]; the prompt when the pty read holding its last byte returns. The pty is read by a\n"+
		"goroutine blocked in read, not polled: each event is late by one wake-up of that reader, as in the baselines\n"+
		"(fastest `cat` round trip %s, fastest `sh` one %s).\n", ms(scat.min), ms(ssh.min))
	over = sa.median > c.target || sb.median > c.target || ss.median > c.target
	if over {
		fmt.Fprintf(w, "\nOVER: the median of (a), (b) or (a)+(b) is above %s.\n", ms(c.target))
	} else {
		fmt.Fprintf(w, "\nOK: the medians of (a), (b) and (a)+(b) are under %s.\n", ms(c.target))
	}
	return over
}
