package httpfetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

const (
	// DefaultMaxLength is max_length when the call does not give one.
	DefaultMaxLength = 20000
	// MaxMaxLength is the largest max_length accepted.
	MaxMaxLength = 1_000_000
)

const fetchURLDescription = `Fetch a web page or API response over http or https and return its content as text.
HTML is converted to Markdown (headings, lists, tables, code blocks; links made absolute; scripts, styles and navigation dropped). JSON and plain text are returned as they are. Images, PDFs, archives and other binary content are refused.
Long content comes in pages of max_length characters. The first line of the result names the final URL, status, content type and the characters shown of the total; when more follows it ends with "next page: start_index=N": call fetch_url again with the same url and that start_index to read on (the page is cached for a short time, so this does not fetch it again).
Only public internet addresses can be fetched: localhost, private networks and cloud metadata addresses are refused unless the user allowed the host. The site's robots.txt is honoured. Set raw=true to get the HTML source instead of Markdown.`

// FetchResult is fetch_url's structured result.
type FetchResult struct {
	URL            string `json:"url" jsonschema:"the URL requested, in canonical form"`
	FinalURL       string `json:"final_url" jsonschema:"the URL the content came from, after redirects"`
	Status         int    `json:"status" jsonschema:"the HTTP status code"`
	ContentType    string `json:"content_type" jsonschema:"the media type of the response, e.g. text/html"`
	Content        string `json:"content" jsonschema:"this page of the content: Markdown for HTML unless raw, else the text as served"`
	Truncated      bool   `json:"truncated" jsonschema:"true if more content follows this page"`
	StartIndex     int    `json:"start_index" jsonschema:"the character offset this page starts at"`
	NextStartIndex int    `json:"next_start_index,omitempty" jsonschema:"the start_index of the next page, when truncated"`
	TotalLength    int    `json:"total_length" jsonschema:"the length of the whole content in characters"`
	BodyTruncated  bool   `json:"body_truncated,omitempty" jsonschema:"true if the response body was cut at the size limit, so the content ends early"`
	HTMLTruncated  bool   `json:"html_truncated,omitempty" jsonschema:"true if the HTML was cut before conversion to Markdown, so the Markdown ends early; raw=true returns the whole source"`
	Note           string `json:"note,omitempty" jsonschema:"how to get the next page, and other remarks"`
}

// fetchArgs are fetch_url's arguments.
type fetchArgs struct {
	URL        string `json:"url"`
	MaxLength  *int   `json:"max_length"`
	StartIndex int    `json:"start_index"`
	Raw        bool   `json:"raw"`
}

func fetchURLTool() mcp.Tool {
	return mcp.NewTool("fetch_url",
		mcp.WithToolTitle("Fetch URL"),
		mcp.WithDescription(fetchURLDescription),
		mcp.WithString("url", mcp.Required(),
			mcp.Description("The absolute http:// or https:// URL to fetch.")),
		mcp.WithInteger("max_length",
			mcp.Description("The most characters of content to return in this call."),
			mcp.DefaultNumber(DefaultMaxLength), mcp.Min(1), mcp.Max(MaxMaxLength)),
		mcp.WithInteger("start_index",
			mcp.Description("The character offset to start at; use next_start_index from the previous result to read the next page."),
			mcp.DefaultNumber(0), mcp.Min(0)),
		mcp.WithBoolean("raw",
			mcp.Description("Return HTML as its source text instead of converting it to Markdown."),
			mcp.DefaultBool(false)),
		mcp.WithOutputSchema[FetchResult](),
		mcp.WithToolAnnotation(toolkits.Annotations("Fetch URL", true, false, true, true)),
	)
}

// handleFetchURL serves fetch_url.
func (t *Toolkit) handleFetchURL(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args fetchArgs
	if res := toolkits.Bind(req, &args); res != nil {
		return res, nil
	}
	maxLength := DefaultMaxLength
	if args.MaxLength != nil {
		maxLength = *args.MaxLength
	}
	if maxLength < 1 || maxLength > MaxMaxLength {
		return toolkits.Errorf("max_length must be from 1 to %d, got %d", MaxMaxLength, maxLength), nil
	}
	if args.StartIndex < 0 {
		return toolkits.Errorf("start_index must be 0 or more, got %d", args.StartIndex), nil
	}
	u, err := t.policy.checkURL(args.URL)
	if err != nil {
		return toolkits.Errorf("%v", err), nil
	}
	key := strconv.FormatBool(args.Raw) + " " + u.String()
	doc, ok := t.cache.get(key)
	if !ok {
		doc, err = t.fetch(ctx, u, args.Raw)
		if err != nil {
			return errorResult(ctx, u.String(), err)
		}
		t.cache.put(key, doc)
	}
	res, err := pageOf(doc, args.StartIndex, maxLength)
	if err != nil {
		return toolkits.Errorf("%v", err), nil
	}
	return toolkits.ResultWithText(res, renderPage(res)), nil
}

// renderPage writes a page for a model to read: one header line (final URL,
// status, content type, the characters shown of the total and, when more
// follows, the start_index of the next page; then any remark), a blank line,
// and the content as it is, nothing escaped.
func renderPage(res FetchResult) string {
	end := res.StartIndex + utf8.RuneCountInString(res.Content)
	head := fmt.Sprintf("%s %d %s, characters %d-%d of %d", res.FinalURL, res.Status, res.ContentType, res.StartIndex, end, res.TotalLength)
	if res.Truncated {
		head += fmt.Sprintf("; next page: start_index=%d", res.NextStartIndex)
	}
	if res.BodyTruncated {
		head += "; body cut at the size limit"
	}
	if res.HTMLTruncated {
		head += "; HTML cut before conversion, raw=true reads it all"
	}
	return head + "\n\n" + res.Content
}

// errorResult turns a fetch error into a result the model can act on. Only
// a cancelled call is a Go error.
func errorResult(ctx context.Context, target string, err error) (*mcp.CallToolResult, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("fetch_url %s: %w", target, ctx.Err())
	}
	var (
		refused     *RefusedError
		invalid     *InvalidURLError
		robots      *RobotsError
		timeout     *TimeoutError
		status      *StatusError
		unsupported *UnsupportedContentError
		conversion  *ConversionError
	)
	switch {
	case errors.As(err, &timeout):
		return toolkits.Errorf("%v", timeout), nil
	case errors.As(err, &refused):
		return toolkits.Errorf("%v", refused), nil
	case errors.As(err, &invalid):
		return toolkits.Errorf("%v (in a redirect from %s)", invalid, target), nil
	case errors.As(err, &robots):
		return toolkits.Errorf("%v", robots), nil
	case errors.As(err, &status):
		return toolkits.Errorf("%v", status), nil
	case errors.As(err, &unsupported):
		return toolkits.Errorf("%v", unsupported), nil
	case errors.As(err, &conversion):
		return toolkits.Errorf("%v", conversion), nil
	case errors.Is(err, errTooManyRedirects):
		return toolkits.Errorf("fetching %s %v", target, errTooManyRedirects), nil
	}
	return toolkits.Errorf("%s", networkMessage(target, err)), nil
}

// networkMessage describes a failure to reach the target.
func networkMessage(target string, err error) string {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		urlErr  *url.Error
	)
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("could not fetch %s: the host %s was not found; check the host name", target, dnsErr.Name)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("could not fetch %s: looking up %s failed (%s); try again later", target, dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("could not fetch %s: the server refused the connection; check the port, or try again later", target)
	case errors.As(err, &certErr):
		return fmt.Sprintf("could not fetch %s: the server's TLS certificate is not valid (%v); use another source", target, certErr.Err)
	}
	detail := err.Error()
	if errors.As(err, &urlErr) {
		detail = urlErr.Err.Error()
	}
	return fmt.Sprintf("could not fetch %s: %s; check the URL, or try again later", target, detail)
}

// pageOf cuts the characters [start, start+maxLength) out of the document,
// on rune boundaries, and says how to get the next page.
func pageOf(doc *document, start, maxLength int) (FetchResult, error) {
	content := doc.Content
	total := utf8.RuneCountInString(content)
	if start > total || start == total && total > 0 {
		return FetchResult{}, fmt.Errorf("start_index %d is past the end of the content (total_length %d); the whole content has been read", start, total)
	}
	from := byteOffset(content, 0, start)
	to := byteOffset(content, from, maxLength)
	end := start + utf8.RuneCountInString(content[from:to])
	res := FetchResult{
		URL: doc.URL, FinalURL: doc.FinalURL, Status: doc.Status, ContentType: doc.ContentType,
		Content: content[from:to], Truncated: end < total, StartIndex: start, TotalLength: total,
		BodyTruncated: doc.BodyTruncated, HTMLTruncated: doc.HTMLCut > 0,
	}
	if res.Truncated {
		res.NextStartIndex = end
		res.Note = fmt.Sprintf("Showing characters %d to %d of %d. To read on, call fetch_url with the same url and start_index=%d.", start, end, total, end)
	}
	if doc.BodyTruncated {
		if res.Note != "" {
			res.Note += " "
		}
		res.Note += "The response body was larger than the size limit (--fetch-max-bytes) and was cut there, so the content ends early."
	}
	if doc.HTMLCut > 0 {
		if res.Note != "" {
			res.Note += " "
		}
		res.Note += fmt.Sprintf("The page's HTML (%d bytes) was too long to convert whole: only its start was turned into Markdown, so the Markdown ends early; call fetch_url with raw=true to read the whole HTML source in pages.", doc.HTMLCut)
	}
	return res, nil
}

// byteOffset returns the byte offset n runes after byte offset from, or
// len(s) if s ends first.
func byteOffset(s string, from, n int) int {
	i := from
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
