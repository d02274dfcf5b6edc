package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIDKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"escaped string", `"a"`, `"\u0061"`, true},
		{"escaped surrogate pair", `"😀"`, `"\ud83d\ude00"`, true},
		{"number forms", `1`, `1.0`, true},
		{"exponent", `100`, `1e2`, true},
		{"string is not number", `"1"`, `1`, false},
		{"different strings", `"a"`, `"b"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ka, oka := idKey(json.RawMessage(tc.a))
			kb, okb := idKey(json.RawMessage(tc.b))
			if !oka || !okb {
				t.Fatalf("idKey refused %s or %s", tc.a, tc.b)
			}
			if (ka == kb) != tc.same {
				t.Fatalf("idKey(%s)=%q, idKey(%s)=%q, want same=%v", tc.a, ka, tc.b, kb, tc.same)
			}
		})
	}
	for _, raw := range []string{``, `null`, `{`} {
		if k, ok := idKey(json.RawMessage(raw)); ok {
			t.Errorf("idKey(%q) = %q, want no key", raw, k)
		}
	}
}

// escapeAll writes every rune of s as a \u escape, as a client may.
func escapeAll(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r > 0xFFFF {
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	b.WriteByte('"')
	return b.String()
}

// FuzzDrain_IDMatch checks the drain's id matching against encoding/json:
// whatever id a request line carries, a cancellation that names the same
// decoded value (written plainly, or with every character escaped) finds it.
func FuzzDrain_IDMatch(f *testing.F) {
	for _, s := range []string{`1`, `"a"`, `"\u0061"`, `1.0`, `-0`, `"x\"y"`, `1e400`, `"<&>"`, `"\ud800"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		line := []byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call"}`)
		var want struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(line, &want) != nil {
			if _, kind, err := parseHeader(line); err == nil && kind == kindRequest {
				t.Fatalf("parseHeader took %s as a request, encoding/json refuses it", line)
			}
			return
		}
		h, kind, err := parseHeader(line)
		if err != nil {
			t.Fatalf("parseHeader(%s): %v", line, err)
		}
		if want.ID == nil {
			if kind == kindRequest {
				t.Fatalf("null id taken as a request: %s", line)
			}
			return
		}
		key, ok := idKey(h.ID)
		if !ok || kind != kindRequest {
			t.Fatalf("request %s not keyed (kind %v)", line, kind)
		}
		plain, _ := json.Marshal(want.ID)
		forms := []string{string(plain)}
		if s, isString := want.ID.(string); isString {
			forms = append(forms, escapeAll(s))
		}
		for _, form := range forms {
			var n struct {
				Params struct {
					RequestID json.RawMessage `json:"requestId"`
				} `json:"params"`
			}
			cancelLine := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + form + `}}`
			if err := json.Unmarshal([]byte(cancelLine), &n); err != nil {
				t.Fatalf("cancel line %s: %v", cancelLine, err)
			}
			if got, _ := idKey(n.Params.RequestID); got != key {
				t.Fatalf("request id %s keyed %q, cancellation %s keyed %q", id, key, form, got)
			}
		}
	})
}

// FuzzUnescapeHTML: the JSON written to clients decodes to the same value as
// encoding/json's, with no HTML escapes left.
func FuzzUnescapeHTML(f *testing.F) {
	for _, s := range []string{`<a href="x">&amp;</a>`, `\u003c`, `\\u003c`, "\\", `"\`, "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := map[string]any{"text": s, "list": []any{s, 1}}
		b, err := marshalMessage(v)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("invalid JSON %q: %v", b, err)
		}
		std, _ := json.Marshal(v)
		var want map[string]any
		_ = json.Unmarshal(std, &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodes to %#v, want %#v", got, want)
		}
		for _, esc := range []string{`\u003c`, `\u003e`, `\u0026`} {
			if strings.Count(string(b), esc) > strings.Count(string(b), `\`+esc) {
				t.Fatalf("%s left in %s", esc, b)
			}
		}
	})
}

func TestInflight_CancelByClient(t *testing.T) {
	f := newInflight()
	ctx, c, done, _ := f.start(context.Background(), "n:1")
	if f.cancelByClient("n:2") {
		t.Fatal("cancelled a request that is not in flight")
	}
	if !f.cancelByClient("n:1") {
		t.Fatal("did not find the request in flight")
	}
	if ctx.Err() == nil || !f.cancelledByClient(c) {
		t.Fatal("request context not cancelled by the client")
	}
	done()
	if f.cancelByClient("n:1") {
		t.Fatal("a finished request is still in flight")
	}
}

func TestInflight_Drain(t *testing.T) {
	t.Run("finished requests end the drain at once", func(t *testing.T) {
		f := newInflight()
		_, _, done, _ := f.start(context.Background(), "n:1")
		go done()
		if !f.drain(context.Background(), time.Hour, func() { t.Error("cancelled though all finished") }) {
			t.Fatal("drain reported requests left")
		}
	})
	t.Run("after the grace the rest are cancelled", func(t *testing.T) {
		f := newInflight()
		base, cancelAll := context.WithCancel(context.Background())
		ctx, _, done, _ := f.start(base, "n:1")
		go func() { <-ctx.Done(); done() }() // a call that ends only when cancelled
		if !f.drain(context.Background(), 10*time.Millisecond, cancelAll) {
			t.Fatal("the cancelled request was not waited for")
		}
	})
	t.Run("a request that ignores cancellation is abandoned", func(t *testing.T) {
		f := newInflight()
		_, _, done, _ := f.start(context.Background(), "n:1")
		defer done()
		if f.drain(context.Background(), time.Millisecond, func() {}) {
			t.Fatal("drain claimed a stuck request finished")
		}
	})
}

// TestInflight_NoStartAfterDrain: once draining began, a request read late
// is not started (and so never races the drain's wait).
func TestInflight_NoStartAfterDrain(t *testing.T) {
	f := newInflight()
	if !f.drain(context.Background(), time.Millisecond, func() {}) {
		t.Fatal("an empty drain should finish")
	}
	ctx, _, done, ok := f.start(context.Background(), "n:1")
	defer done()
	if ok || ctx.Err() == nil {
		t.Errorf("a request started after the drain: ok=%v, ctx err %v", ok, ctx.Err())
	}
}
