package httpfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// acceptHeader asks for what fetch_url can return.
	acceptHeader = "text/html,application/xhtml+xml,application/json;q=0.9,text/plain;q=0.8,*/*;q=0.5"
	// errorExcerptBytes and errorExcerptChars bound the body shown with an HTTP error.
	errorExcerptBytes = 64 << 10
	errorExcerptChars = 1000
)

// errTooManyRedirects stops a chain of more than maxRedirects redirects.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects; the URL redirects in a loop or too often, try the final address directly", maxRedirects)

// TimeoutError reports a fetch that did not finish within Config.Timeout.
type TimeoutError struct {
	URL     string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("fetching %s timed out after %s; the site is slow or not answering, try again later or use another source", e.URL, e.Timeout)
}

// StatusError reports an HTTP error status (4xx, 5xx) from the target.
type StatusError struct {
	URL     string
	Status  string
	Code    int
	Excerpt string // the start of the response body as text, if any
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("HTTP %s from %s: %s", e.Status, e.URL, statusHint(e.Code))
	if e.Excerpt != "" {
		msg += "\nThe response began:\n" + e.Excerpt
	}
	return msg
}

// statusHint tells the model what an error status means for it.
func statusHint(code int) string {
	switch {
	case code == http.StatusNotFound || code == http.StatusGone:
		return "not found; check the URL, or search for the page's new address"
	case code == http.StatusUnauthorized:
		return "the page needs a login, which fetch_url cannot provide; use another source"
	case code == http.StatusForbidden:
		return "access is forbidden; the site does not let this page be fetched, use another source"
	case code == http.StatusTooManyRequests:
		return "rate limited; wait before fetching from this site again"
	case code >= 500:
		return "the server failed; try again later or use another source"
	}
	return "the server refused the request; check the URL and its query parameters"
}

// checkRedirect re-checks every redirect: at most maxRedirects, the target
// URL against the policy, and (for pages) the target's robots.txt. The
// address is checked again when the new host is dialled.
func (t *Toolkit) checkRedirect(withRobots bool) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return errTooManyRedirects
		}
		u, err := t.policy.checkURL(req.URL.String())
		if err != nil {
			return err
		}
		req.URL = u
		if withRobots && !t.cfg.IgnoreRobots {
			return t.robots.check(req.Context(), u)
		}
		return nil
	}
}

// fetch gets u within the configured timeout and converts its body.
func (t *Toolkit) fetch(ctx context.Context, u *url.URL, raw bool) (*document, error) {
	start := time.Now()
	fctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	doc, err := t.fetchBody(fctx, u, raw)
	if err != nil && ctx.Err() == nil && errors.Is(fctx.Err(), context.DeadlineExceeded) {
		err = &TimeoutError{URL: u.String(), Timeout: t.cfg.Timeout}
	}
	ev := t.log.Debug().Str("tool", "fetch_url").Str("url", u.String()).Dur("dur", time.Since(start))
	if doc != nil {
		ev = ev.Int("status", doc.Status).Str("final_url", doc.FinalURL).Int("bytes", len(doc.Content))
	}
	ev.AnErr("error", err).Msg("fetch")
	return doc, err
}

func (t *Toolkit) fetchBody(ctx context.Context, u *url.URL, raw bool) (*document, error) {
	if !t.cfg.IgnoreRobots {
		if err := t.robots.check(ctx, u); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", t.cfg.UserAgent)
	req.Header.Set("Accept", acceptHeader)
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	final := resp.Request.URL
	if resp.StatusCode >= 400 {
		return nil, t.statusError(ctx, resp, final)
	}
	body, capped, err := t.readBody(resp, t.cfg.MaxBytes)
	if err != nil {
		return nil, err
	}
	mt, content, htmlCut, err := t.convert(ctx, resp.Header.Get("Content-Type"), body, final, raw)
	if err != nil {
		return nil, err
	}
	return &document{
		URL: u.String(), FinalURL: final.String(), Status: resp.StatusCode,
		ContentType: mt, Content: content, BodyTruncated: capped, HTMLCut: htmlCut,
	}, nil
}

// readBody reads at most limit decompressed bytes; capped reports that the
// body was longer. It refuses a content type it cannot return before reading.
func (t *Toolkit) readBody(resp *http.Response, limit int64) (body []byte, capped bool, err error) {
	final := resp.Request.URL.String()
	if ce := strings.TrimSpace(resp.Header.Get("Content-Encoding")); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, false, &UnsupportedContentError{URL: final, ContentType: "content encoded with " + ce}
	}
	if mt := mediaType(resp.Header.Get("Content-Type")); mt != "" && classify(mt) == kindUnsupported {
		return nil, false, &UnsupportedContentError{URL: final, ContentType: mt}
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("read body of %s: %w", final, err)
	}
	if int64(len(body)) > limit {
		return body[:limit], true, nil
	}
	return body, false, nil
}

// convert turns a body into the tool's content: decoded to UTF-8, HTML
// converted to Markdown unless raw. It returns the media type, and the
// HTML's size when it was cut before conversion (else 0).
func (t *Toolkit) convert(ctx context.Context, contentType string, body []byte, final *url.URL, raw bool) (mt, content string, htmlCut int, err error) {
	mt = mediaType(contentType)
	if mt == "" {
		mt = sniffType(body)
	}
	kind := classify(mt)
	if kind == kindUnsupported {
		return mt, "", 0, &UnsupportedContentError{URL: final.String(), ContentType: mt}
	}
	text := decodeText(body, contentType, kind == kindHTML)
	if looksBinary(text) {
		return mt, "", 0, &UnsupportedContentError{URL: final.String(), ContentType: mt, Binary: true}
	}
	if kind != kindHTML || raw {
		return mt, text, 0, nil
	}
	if len(text) > t.cfg.MaxHTMLBytes {
		htmlCut = len(text)
		text = cutHTML(text, t.cfg.MaxHTMLBytes)
	}
	md, err := convertWithin(ctx, text, final)
	if err != nil {
		if ctx.Err() != nil {
			return mt, "", 0, ctx.Err()
		}
		return mt, "", 0, &ConversionError{URL: final.String(), Err: err}
	}
	return mt, md, htmlCut, nil
}

// cutHTML cuts src to at most n bytes, before the last tag that starts
// within them, so that no tag is cut in half.
func cutHTML(src string, n int) string {
	cut := src[:n]
	if i := strings.LastIndexByte(cut, '<'); i > n/2 {
		cut = cut[:i]
	}
	return strings.ToValidUTF8(cut, "")
}

// convertWithin converts HTML to Markdown, returning when ctx ends even if
// the converter does not: it checks its context only now and then, and
// parsing not at all. An abandoned conversion runs on to its end in the
// background, bounded by MaxHTMLBytes.
func convertWithin(ctx context.Context, src string, pageURL *url.URL) (string, error) {
	type result struct {
		md  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		md, err := htmlToMarkdown(ctx, src, pageURL)
		done <- result{md, err}
	}()
	select {
	case r := <-done:
		return r.md, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// ConversionError reports an HTML page that could not be turned into Markdown.
type ConversionError struct {
	URL string
	Err error
}

func (e *ConversionError) Error() string {
	return fmt.Sprintf("the HTML of %s could not be converted to Markdown (%v); call fetch_url again with raw=true to get the HTML source", e.URL, e.Err)
}

func (e *ConversionError) Unwrap() error { return e.Err }

// statusError builds a *StatusError with the start of the body, if it is text.
func (t *Toolkit) statusError(ctx context.Context, resp *http.Response, final *url.URL) error {
	se := &StatusError{URL: final.String(), Status: resp.Status, Code: resp.StatusCode}
	if se.Status == "" {
		se.Status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	body, _, err := t.readBody(resp, min(t.cfg.MaxBytes, errorExcerptBytes))
	if err != nil || len(body) == 0 {
		return se
	}
	if _, text, _, err := t.convert(ctx, resp.Header.Get("Content-Type"), body, final, false); err == nil {
		se.Excerpt = excerpt(strings.TrimSpace(text), errorExcerptChars)
	}
	return se
}

// excerpt returns the first n characters of s, marking a cut with "…".
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
