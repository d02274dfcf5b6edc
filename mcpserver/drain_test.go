package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

func TestDrain_LineKinds(t *testing.T) {
	tests := []struct {
		name          string
		line          string
		request, resp bool
	}{
		{"request", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}`, true, false},
		{"request, id last", `{"method":"ping","params":{},"jsonrpc":"2.0","id":"a"}`, true, false},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, false, false},
		{"null id", `{"jsonrpc":"2.0","id":null,"method":"x"}`, false, false},
		{"client answer to a server request", `{"jsonrpc":"2.0","id":7,"result":{"roots":[]}}`, false, true},
		{"error response", `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"bad"}}`, false, true},
		{"server request", `{"jsonrpc":"2.0","id":9,"method":"roots/list"}`, true, false},
		{"not JSON", `hello`, false, false},
		{"keys in another case", `{"JSONRPC":"2.0","ID":4,"Method":"ping"}`, true, false},
		{"parse error answer", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := requestID([]byte(tc.line)); got != tc.request {
				t.Errorf("requestID ok = %v, want %v", got, tc.request)
			}
			if _, got := responseID([]byte(tc.line)); got != tc.resp {
				t.Errorf("responseID ok = %v, want %v", got, tc.resp)
			}
		})
	}
}

// FuzzDrain_TopLevelKeys checks the hand-written key scanner against
// encoding/json: on every valid object both see the same top-level keys.
func FuzzDrain_TopLevelKeys(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"q":"a\"}b","n":[1,{"m":2}]}}}`,
		`{"id":null,"result":{}}`, `{}`, ` { "a" : true , "b":-1.5e3 }`, `{"a":"\\"}`, `[1]`, `{"a":}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want map[string]json.RawMessage
		if json.Unmarshal(b, &want) != nil || !json.Valid(b) || want == nil {
			return // only compare on valid objects
		}
		got := map[string]string{}
		if !topLevelKeys(b, func(k string, v []byte) bool { got[k] = string(v); return true }) {
			t.Fatalf("topLevelKeys refused a valid object %q", b)
		}
		for k := range want {
			// Keys written with escapes or invalid UTF-8 decode differently;
			// the keys the drain looks for are plain ASCII.
			if _, ok := got[k]; !ok && plainASCII(k) && !bytes.ContainsRune(b, '\\') {
				t.Fatalf("key %q of %q not seen; saw %v", k, b, got)
			}
		}
	})
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '\\' {
			return false
		}
	}
	return true
}

// TestDrain_WaitsForTheRightIDs: answers to lines that were not requests (a
// blank line's parse error) must not let EOF through while a call runs.
func TestDrain_WaitsForTheRightIDs(t *testing.T) {
	d := newDrain(context.Background())
	d.request([]byte(`{"jsonrpc":"2.0","id":1.0,"method":"tools/call","params":{}}`))
	d.response([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`))
	d.response([]byte(`{"jsonrpc":"2.0","id":7,"result":{}}`))
	if d.idle() {
		t.Fatal("answers to other ids let the pending call go")
	}
	d.response([]byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`))
	if !d.idle() {
		t.Fatal("the call's answer (id 1 for 1.0) did not cross it off")
	}
}
