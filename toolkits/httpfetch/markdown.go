package httpfetch

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// noiseElements are dropped before conversion: code that does not render as
// text, page chrome and form controls.
var noiseElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Canvas: true, atom.Iframe: true, atom.Object: true,
	atom.Embed: true, atom.Nav: true, atom.Aside: true, atom.Button: true,
	atom.Select: true, atom.Textarea: true, atom.Input: true, atom.Dialog: true,
	atom.Link: true, atom.Meta: true,
}

// noiseRoles are ARIA landmark roles of page chrome.
var noiseRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "search": true,
	"complementary": true, "dialog": true, "alertdialog": true, "menu": true, "menubar": true,
}

// htmlToMarkdown converts an HTML page to Markdown: noise removed, the
// <main> element kept when there is exactly one, relative links and images
// made absolute against the page's URL (or its <base href>).
func htmlToMarkdown(ctx context.Context, src string, pageURL *url.URL) (string, error) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("parse html: %w", err)
	}
	baseURL := documentBase(doc, pageURL)
	removeNoise(doc, false)
	conv := converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(),
		table.NewTablePlugin(),
		strikethrough.NewStrikethroughPlugin(),
	))
	md, err := conv.ConvertNode(contentRoot(doc), converter.WithDomain(baseURL.String()), converter.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("convert html to markdown: %w", err)
	}
	return unescapeAngles.Replace(strings.TrimSpace(string(md))), nil
}

// unescapeAngles undoes the converter's escaping of '<' and '>' in text
// (it writes them as &lt; and &gt; for HTML renderers): a model reads the
// Markdown as text and must see, and quote, what the page shows.
var unescapeAngles = strings.NewReplacer("&lt;", "<", "&gt;", ">")

// documentBase resolves the first <base href> against the page URL.
func documentBase(doc *html.Node, pageURL *url.URL) *url.URL {
	b := findFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Base && attr(n, "href") != "" })
	if b == nil {
		return pageURL
	}
	ref, err := url.Parse(strings.TrimSpace(attr(b, "href")))
	if err != nil {
		return pageURL
	}
	resolved := pageURL.ResolveReference(ref)
	if resolved.Scheme != "http" && resolved.Scheme != "https" {
		return pageURL
	}
	return resolved
}

// removeNoise deletes noise elements below n. Headers and footers count as
// noise only outside <article> and <main>, where they hold titles.
func removeNoise(n *html.Node, inContent bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.CommentNode:
			n.RemoveChild(c)
		case c.Type == html.ElementNode && isNoise(c, inContent):
			n.RemoveChild(c)
		default:
			removeNoise(c, inContent || c.DataAtom == atom.Article || c.DataAtom == atom.Main)
		}
		c = next
	}
}

func isNoise(n *html.Node, inContent bool) bool {
	if noiseElements[n.DataAtom] {
		return true
	}
	if !inContent && (n.DataAtom == atom.Header || n.DataAtom == atom.Footer) {
		return true
	}
	if hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return true
	}
	return noiseRoles[strings.ToLower(attr(n, "role"))]
}

// contentRoot returns the page's single <main> (or role=main), else <body>.
func contentRoot(doc *html.Node) *html.Node {
	var mains []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Main || strings.EqualFold(attr(n, "role"), "main")) {
			mains = append(mains, n)
		}
	})
	if len(mains) == 1 {
		return mains[0]
	}
	if body := findFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Body }); body != nil {
		return body
	}
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findFirst(c, match); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
