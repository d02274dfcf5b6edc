package mcpserver

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// lineHeader is what the stdio transport reads of every message to route it:
// the top-level keys only. encoding/json matches keys without regard to case,
// as mcp-go does when it decodes the same line.
type lineHeader struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// messageKind is the kind of message a line holds.
type messageKind int

const (
	kindInvalid      messageKind = iota
	kindRequest                  // method and a non-null id: answered
	kindNotification             // method, no id (or a null one): never answered
	kindResponse                 // result or error and an id: the client answering us
)

// parseHeader decodes the routing keys of one line.
func parseHeader(line []byte) (lineHeader, messageKind, error) {
	var h lineHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return h, kindInvalid, err
	}
	_, hasID := idKey(h.ID) // an id encoding/json cannot decode (1e400) is none
	switch {
	case h.Method != nil && hasID:
		return h, kindRequest, nil
	case h.Method != nil:
		return h, kindNotification, nil
	case hasID && (h.Result != nil || h.Error != nil):
		return h, kindResponse, nil
	}
	return h, kindInvalid, nil
}

// idKey normalises a JSON-RPC id by its decoded value, so that "a", "\u0061"
// and 1, 1.0, 1e0 name the same request. Strings and numbers are distinct
// ("1" is not 1). Numbers compare as float64, as mcp-go decodes them.
// It reports false for null, empty or undecodable ids.
func idKey(raw json.RawMessage) (string, bool) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return "s:" + v, true
	case float64:
		return "n:" + strconv.FormatFloat(v, 'g', -1, 64), true
	case nil:
		return "", false
	}
	// Not a valid JSON-RPC id, but answerable: key it by its compact form.
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return "", false
	}
	return "x:" + b.String(), true
}

// marshalMessage encodes one outgoing message without HTML escaping: mcp-go's
// result types encode through json.Marshal, which writes <, > and & as
// \u003c, \u003e and \u0026, costing a model tokens and legibility.
func marshalMessage(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return unescapeHTML(b), nil
}

// unescapeHTML rewrites, in place, the escapes \u003c, \u003e and \u0026
// that encoding/json writes for <, > and & back to the characters. Only real
// escapes are touched: a backslash that is itself escaped (\\u003c, the text
// "\u003c") is copied as it is. The result is valid JSON decoding to the same
// value.
func unescapeHTML(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u00`)) {
		return b
	}
	w := 0
	for r := 0; r < len(b); {
		c := b[r]
		if c != '\\' || r+1 >= len(b) {
			b[w] = c
			w, r = w+1, r+1
			continue
		}
		if b[r+1] == 'u' && r+6 <= len(b) {
			if ch, ok := htmlEscape(b[r+2 : r+6]); ok {
				b[w] = ch
				w, r = w+1, r+6
				continue
			}
		}
		b[w], b[w+1] = c, b[r+1] // an escape pair, kept whole
		w, r = w+2, r+2
	}
	return b[:w]
}

func htmlEscape(hex []byte) (byte, bool) {
	switch string(hex) {
	case "003c", "003C":
		return '<', true
	case "003e", "003E":
		return '>', true
	case "0026":
		return '&', true
	}
	return 0, false
}
