package main

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// mdParser parses CommonMark with GitHub's tables and strikethrough.
var mdParser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough)).Parser()

// ANSI styles of the terminal Markdown.
const (
	ansiBold   = "\x1b[1m"
	ansiItalic = "\x1b[3m"
	ansiDim    = "\x1b[2m"
	ansiCode   = "\x1b[36m"
	ansiLink   = "\x1b[4m"
	ansiReset  = "\x1b[0m"
)

// renderMarkdown lays Markdown out for a terminal: headings bold (their marks
// kept without colour), emphasis,
// inline code coloured, code blocks indented and never wrapped, lists with
// bullets, quotes with a bar, links with their address, paragraphs wrapped
// to width. goldmark parses; this walks its tree. Without colour the layout
// is the same, with no escape codes.
func renderMarkdown(src string, width int, colour bool) string {
	source := []byte(src)
	r := &mdTerm{src: source, width: width, colour: colour}
	r.blocks(mdParser.Parse(text.NewReader(source)), "")
	return strings.TrimRight(r.out.String(), "\n")
}

// mdTerm is one rendering.
type mdTerm struct {
	src    []byte
	width  int
	colour bool
	out    strings.Builder
}

func (r *mdTerm) style(code, s string) string {
	if !r.colour || s == "" {
		return s
	}
	return code + s + ansiReset
}

// blocks renders the block children of n, each line prefixed with indent.
func (r *mdTerm) blocks(n ast.Node, indent string) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.block(c, indent)
	}
}

func (r *mdTerm) block(n ast.Node, indent string) {
	switch n := n.(type) {
	case *ast.Heading:
		if r.colour { // bold says it is a heading; plain text keeps the marks
			r.para(indent, r.style(ansiBold, r.inline(n)))
		} else {
			r.para(indent, strings.Repeat("#", n.Level)+" "+r.inline(n))
		}
	case *ast.Paragraph, *ast.TextBlock:
		r.para(indent, r.inline(n))
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var b strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.WriteString(indent + "    " + r.style(ansiCode, strings.TrimRight(string(seg.Value(r.src)), "\n")) + "\n")
		}
		r.out.WriteString(b.String() + "\n")
	case *ast.List:
		r.list(n, indent)
	case *ast.Blockquote:
		r.blocks(n, indent+r.style(ansiDim, "│ "))
	case *ast.ThematicBreak:
		r.out.WriteString(indent + r.style(ansiDim, strings.Repeat("─", min(r.width, 40))) + "\n\n")
	case *extast.Table:
		r.table(n, indent)
	case *ast.HTMLBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			r.out.WriteString(indent + strings.TrimRight(string(seg.Value(r.src)), "\n") + "\n")
		}
		r.out.WriteString("\n")
	default:
		r.blocks(n, indent)
	}
}

// list renders items with a bullet or their number; an item's later lines
// line up under its first.
func (r *mdTerm) list(l *ast.List, indent string) {
	num := l.Start
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		mark := "• "
		if l.IsOrdered() {
			mark = itoa(num) + ". "
			num++
		}
		sub := mdTerm{src: r.src, width: r.width - utf8.RuneCountInString(mark), colour: r.colour}
		sub.blocks(item, "")
		body := strings.TrimRight(sub.out.String(), "\n")
		pad := strings.Repeat(" ", utf8.RuneCountInString(mark))
		for i, line := range strings.Split(body, "\n") {
			switch {
			case i == 0:
				r.out.WriteString(indent + mark + line + "\n")
			case line == "":
				r.out.WriteString("\n")
			default:
				r.out.WriteString(indent + pad + line + "\n")
			}
		}
	}
	r.out.WriteString("\n")
}

// table renders each row's cells joined by " │ ".
func (r *mdTerm) table(t *extast.Table, indent string) {
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
			cells = append(cells, r.inline(cell))
		}
		line := strings.Join(cells, r.style(ansiDim, " │ "))
		if _, header := row.(*extast.TableHeader); header {
			line = r.style(ansiBold, strings.Join(cells, " │ "))
		}
		r.out.WriteString(indent + line + "\n")
	}
	r.out.WriteString("\n")
}

// para writes text wrapped to the width, then a blank line.
func (r *mdTerm) para(indent, s string) {
	for _, line := range strings.Split(s, "\n") {
		for _, w := range wrap(line, r.width-utf8.RuneCountInString(indent)) {
			r.out.WriteString(indent + w + "\n")
		}
	}
	r.out.WriteString("\n")
}

// inline renders the inline children of n.
func (r *mdTerm) inline(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(r.src))
			switch {
			case c.HardLineBreak():
				b.WriteString("\n")
			case c.SoftLineBreak():
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			b.WriteString(r.style(ansiCode, r.plain(c)))
		case *ast.Emphasis:
			code := ansiItalic
			if c.Level >= 2 {
				code = ansiBold
			}
			b.WriteString(r.style(code, r.inline(c)))
		case *ast.Link:
			label := r.inline(c)
			b.WriteString(r.style(ansiLink, label))
			if dest := string(c.Destination); dest != "" && dest != label {
				b.WriteString(r.style(ansiDim, " ("+dest+")"))
			}
		case *ast.AutoLink:
			b.WriteString(r.style(ansiLink, string(c.URL(r.src))))
		case *ast.Image:
			b.WriteString(r.style(ansiDim, "[image: "+r.inline(c)+"]"))
		case *ast.RawHTML:
			segs := c.Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				b.Write(seg.Value(r.src))
			}
		default:
			b.WriteString(r.inline(c))
		}
	}
	return b.String()
}

// plain is the text of n's children, without styles.
func (r *mdTerm) plain(n ast.Node) string {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Value(r.src))
		} else {
			b.WriteString(r.plain(c))
		}
	}
	return b.String()
}

// wrap breaks a line at spaces so that each piece is at most width visible
// characters (escape codes do not count); a longer word stands alone.
func wrap(line string, width int) []string {
	if width < 10 || visibleLen(line) <= width {
		return []string{line}
	}
	var out []string
	var cur strings.Builder
	n := 0
	for _, w := range strings.Fields(line) {
		wl := visibleLen(w)
		if n > 0 && n+1+wl > width {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(w)
		n += wl
	}
	return append(out, cur.String())
}

// visibleLen counts the characters of s that a terminal shows.
func visibleLen(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			esc = true
		case esc:
			if r == 'm' {
				esc = false
			}
		default:
			n++
		}
	}
	return n
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
