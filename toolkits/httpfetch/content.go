package httpfetch

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// contentKind is how a body is turned into the tool's content.
type contentKind int

const (
	kindUnsupported contentKind = iota
	kindHTML                    // converted to Markdown unless raw
	kindJSON                    // returned as it is
	kindText                    // returned as it is
)

// binarySniffBytes is how much of a decoded body is searched for NUL bytes.
const binarySniffBytes = 8 << 10

// UnsupportedContentError reports a body fetch_url does not return: a
// content type that is not HTML, JSON or text, or a binary body.
type UnsupportedContentError struct {
	URL         string
	ContentType string
	Binary      bool
}

func (e *UnsupportedContentError) Error() string {
	if e.Binary {
		return fmt.Sprintf("the response from %s is declared %s but its body is binary; fetch_url returns only text (HTML as Markdown, JSON, plain text)", e.URL, e.ContentType)
	}
	return fmt.Sprintf("the response from %s has content type %s, which fetch_url cannot return; it returns only text (HTML as Markdown, JSON, plain text), so look for an HTML or text version of this resource", e.URL, e.ContentType)
}

// mediaType returns the lower-cased media type of a Content-Type header.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// textApplicationTypes are application/* types that are text.
var textApplicationTypes = map[string]bool{
	"application/xml": true, "application/javascript": true, "application/x-javascript": true,
	"application/ecmascript": true, "application/x-yaml": true, "application/yaml": true,
	"application/toml": true, "application/x-sh": true, "application/graphql": true,
	"application/sql": true, "application/x-ndjson": true, "application/jsonl": true,
	"application/x-tex": true, "application/x-httpd-php": true, "application/csv": true,
}

// classify maps a media type to how its body is returned.
func classify(mt string) contentKind {
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return kindHTML
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return kindJSON
	case strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+xml") || textApplicationTypes[mt]:
		return kindText
	}
	return kindUnsupported
}

// sniffType guesses the media type of a body served without Content-Type.
func sniffType(body []byte) string {
	mt := mediaType(http.DetectContentType(body))
	if mt == "text/plain" {
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
			return "application/json"
		}
	}
	return mt
}

// decodeText converts body to valid UTF-8. The encoding comes from a byte
// order mark, the Content-Type charset, a <meta> declaration (HTML only),
// else UTF-8 if the body is valid UTF-8, else windows-1252 (what browsers
// assume for Latin-1 pages).
func decodeText(body []byte, contentType string, isHTML bool) string {
	var enc encoding.Encoding
	if isHTML {
		e, name, certain := charset.DetermineEncoding(body, contentType)
		enc = e
		if !certain && name == "windows-1252" && !declaresCharset(body) && utf8.Valid(body) {
			enc = unicode.UTF8
		}
	} else {
		enc = textEncoding(body, contentType)
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		out = body
	}
	s := strings.TrimPrefix(string(out), "\uFEFF")
	return strings.ToValidUTF8(s, "\uFFFD")
}

// declaresCharset reports whether the start of an HTML body names a charset,
// so that an explicit windows-1252 is not overridden by UTF-8 sniffing.
func declaresCharset(body []byte) bool {
	if len(body) > 1024 {
		body = body[:1024]
	}
	return bytes.Contains(bytes.ToLower(body), []byte("charset"))
}

// textEncoding picks the encoding of a non-HTML text body.
func textEncoding(body []byte, contentType string) encoding.Encoding {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if e, _ := charset.Lookup(params["charset"]); e != nil {
			return e
		}
	}
	if utf8.Valid(body) {
		return unicode.UTF8
	}
	return charmap.Windows1252
}

// looksBinary reports whether decoded text holds NUL bytes near its start.
func looksBinary(s string) bool {
	if len(s) > binarySniffBytes {
		s = s[:binarySniffBytes]
	}
	return strings.IndexByte(s, 0) >= 0
}
