package webui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/store"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

//go:embed templates/*.html templates/style.css
var assets embed.FS

var (
	tmpl  = template.Must(template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html"))
	style = template.CSS(mustRead("templates/style.css"))
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var funcs = template.FuncMap{
	"snippet":  snippetHTML,
	"when":     func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
	"dur":      fmtDur,
	"short":    func(id string) string { return id[:min(len(id), 12)] },
	"pct":      func(f float64) string { return fmt.Sprintf("%.2f%%", f) },
	"long":     func(s string) bool { return len(s) > 2000 || strings.Count(s, "\n") > 15 },
	"markdown": markdownHTML,
}

// md renders Markdown as GitHub does (tables, strikethrough, autolinks), in
// goldmark's safe mode (no dangerous links), with raw HTML shown as text
// rather than left out: a transcript cannot put markup or script into the
// page, and a conversation about HTML keeps its tags.
var md = goldmark.New(goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, 100))))

// rawHTMLAsText renders raw HTML (inline and blocks) escaped, as text.
type rawHTMLAsText struct{}

func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				template.HTMLEscape(w, seg.Value(src))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		w.WriteString("<pre>")
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			template.HTMLEscape(w, seg.Value(src))
		}
		if b := n.(*ast.HTMLBlock); b.HasClosure() {
			template.HTMLEscape(w, b.ClosureLine.Value(src))
		}
		w.WriteString("</pre>\n")
		return ast.WalkSkipChildren, nil
	})
}

// markdownHTML is a prompt's or an answer's Markdown as HTML; text that
// fails to render is shown as it is, escaped.
func markdownHTML(s string) template.HTML {
	var b bytes.Buffer
	if err := md.Convert([]byte(s), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(s))
	}
	return template.HTML(b.String()) // #nosec: goldmark's safe mode escapes the text and omits raw HTML
}

// pages serves the list and transcript pages.
type pages struct {
	r   Reader
	opt Options
}

// head is what every page's frame needs.
type head struct {
	Title      string
	Style      template.CSS
	CSP        string
	Standalone bool // an exported file: no links to the server's other pages
}

type listData struct {
	head
	Query   string
	Hits    []hitView
	Rows    []rowView
	Total   int
	Message string
}

type rowView struct {
	store.Summary
	Cost string
}

type hitView struct {
	store.SearchHit
	Place  string
	Anchor string
}

func (p *pages) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := listData{head: head{Title: "Transcripts", Style: style, CSP: csp}, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if d.Query != "" {
		d.Title = "Search: " + d.Query
		hits, err := p.r.Search(ctx, d.Query, p.opt.searchLimit())
		switch {
		case errors.Is(err, store.ErrEmptyQuery):
			d.Message = "Type a word to search for."
		case err != nil:
			p.error(w, http.StatusInternalServerError, err.Error())
			return
		}
		for _, h := range hits {
			d.Hits = append(d.Hits, hitView{SearchHit: h, Place: Place(h), Anchor: anchor(h)})
		}
	} else {
		list, err := p.r.List(ctx, p.opt.listLimit())
		if err != nil {
			p.error(w, http.StatusInternalServerError, err.Error())
			return
		}
		for _, s := range list {
			d.Rows = append(d.Rows, rowView{Summary: s, Cost: p.cost(s.Model, s.Usage)})
		}
		d.Total = len(list)
	}
	p.render(w, http.StatusOK, "list.html", d)
}

func (p *pages) transcript(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := p.r.Resolve(ctx, r.PathValue("id"))
	if err == nil {
		var t *store.Transcript
		if t, err = p.r.Get(ctx, id); err == nil {
			p.render(w, http.StatusOK, "transcript.html", newPageData(t, p.opt, false))
			return
		}
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAmbiguous) {
		p.error(w, http.StatusNotFound, err.Error())
		return
	}
	p.error(w, http.StatusInternalServerError, err.Error())
}

type errorData struct {
	head
	Status  int
	Message string
}

func (p *pages) error(w http.ResponseWriter, status int, msg string) {
	p.render(w, status, "error.html", errorData{head: head{Title: http.StatusText(status), Style: style, CSP: csp},
		Status: status, Message: msg})
}

// render executes a template into a buffer first, so that a failure
// becomes a clean error page instead of half a page.
func (p *pages) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *pages) cost(model string, u store.Usage) string {
	return costText(p.opt.Cost, model, u)
}

// WritePage writes transcript t as one self-contained HTML file: the page
// `transcripts serve` shows for it, without links to the server's other
// pages, readable from disk with no network.
func WritePage(w io.Writer, t *store.Transcript, opt Options) error {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "transcript.html", newPageData(t, opt, true)); err != nil {
		return fmt.Errorf("render transcript %s: %w", t.ID, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Place says where a search hit is, for a reader: "message 3 (user)",
// "reasoning of message 2", "result of read_file [call_1], message 4",
// "arguments of read_file [call_1], step 1".
func Place(h store.SearchHit) string {
	switch {
	case h.Kind == store.HitToolCall:
		return fmt.Sprintf("arguments of %s [%s], step %d", h.Tool, h.CallID, h.Step)
	case h.Role == "tool":
		return fmt.Sprintf("result of %s [%s], message %d", orUnknown(h.Tool), h.CallID, h.Seq)
	case h.Field == "reasoning":
		return fmt.Sprintf("reasoning of message %d (%s)", h.Seq, h.Role)
	}
	return fmt.Sprintf("message %d (%s)", h.Seq, h.Role)
}

func orUnknown(s string) string {
	if s == "" {
		return "a tool"
	}
	return s
}

// anchor is the fragment of a transcript page where a hit is.
func anchor(h store.SearchHit) string {
	if h.Kind == store.HitToolCall {
		return "call-" + h.CallID
	}
	return fmt.Sprintf("m%d", h.Seq)
}

// snippetHTML escapes a snippet and turns its marks into <mark> elements.
func snippetHTML(h store.SearchHit) template.HTML {
	var b strings.Builder
	rest := h.Snippet
	for {
		before, after, ok := strings.Cut(rest, store.MarkStart)
		b.WriteString(template.HTMLEscapeString(strings.ReplaceAll(before, store.MarkEnd, "")))
		if !ok {
			break
		}
		marked, tail, _ := strings.Cut(after, store.MarkEnd)
		b.WriteString("<mark>" + template.HTMLEscapeString(strings.ReplaceAll(marked, store.MarkStart, "")) + "</mark>")
		rest = tail
	}
	return template.HTML(b.String()) // #nosec: every piece of text above is escaped
}

// costText is a cost as text, or "" when it is not known.
func costText(cost CostFunc, model string, u store.Usage) string {
	if cost == nil {
		return ""
	}
	return cost(model, u)
}

// fmtDur rounds a duration for reading: 850µs, 12.3ms, 1.25s.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}
