package term

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPasteFilter_Feed(t *testing.T) {
	const s, e = pasteStart, pasteEnd
	tests := []struct {
		name, in, want string
	}{
		{"typing passes", "hello\r", "hello\r"},
		{"arrow keys pass", "ab\x1b[D\x1b[Ac\r", "ab\x1b[D\x1b[Ac\r"},
		{"a one-line paste", s + "one line" + e, "one line"},
		{"lines become continuations", s + "one\ntwo\nthree" + e, "one\\\rtwo\\\rthree"},
		{"CR LF and CR are one break each", s + "one\r\ntwo\rthree" + e, "one\\\rtwo\\\rthree"},
		{"the last break is dropped", s + "one\ntwo\r\n" + e + "\r", "one\\\rtwo\r"},
		{"empty lines are kept", s + "one\n\n\ntwo" + e, "one\\\r\\\r\\\rtwo"},
		{"a pasted backslash at a line end survives", s + "a\\\nb" + e, "a\\\\\rb"},
		{"control characters inside a paste are dropped", s + "a\x03b\x04c\x1a\x0cd\x7f\x1b[Ae\tf" + e, "abcd[Ae\tf"},
		{"control characters outside a paste are keys", "a\x03\x04\x7f", "a\x03\x04\x7f"},
		{"typing after a paste", s + "p\n" + e + "q\r", "pq\r"},
		{"two pastes: each one's last break dropped", s + "a\n" + e + s + "b\nc" + e, "ab\\\rc"},
		{"a lone escape then a key", "\x1bb", "\x1bb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every way the terminal could split the bytes over two reads.
			for cut := 0; cut <= len(tt.in); cut++ {
				var f pasteFilter
				out := f.feed(nil, []byte(tt.in[:cut]))
				out = f.feed(out, []byte(tt.in[cut:]))
				out = f.flush(out)
				if string(out) != tt.want {
					t.Fatalf("split at %d: %q, want %q", cut, out, tt.want)
				}
			}
			// And one byte at a time.
			var f pasteFilter
			var out []byte
			for i := range len(tt.in) {
				out = f.feed(out, []byte{tt.in[i]})
			}
			if out = f.flush(out); string(out) != tt.want {
				t.Errorf("byte by byte: %q, want %q", out, tt.want)
			}
		})
	}
}

// A paste of several lines on a real terminal is one input, sent with Enter,
// and the terminal is asked for marked pastes only while the prompt waits.
func TestIO_ReadLine_TerminalPaste(t *testing.T) {
	s := newScreen(t, nil)
	ch := s.readLine(context.Background(), "you> ")
	s.waitFor(pasteOn)
	pasted := "func main() {\r\n\tfmt.Println(\"hi\") \\\r\n}\r\n"
	s.typeAfter("you> ", pasteStart+pasted+pasteEnd)
	s.waitCount("... ", 2)
	select {
	case r := <-ch:
		t.Fatalf("the paste was sent without Enter: %q, %v", r.line, r.err)
	default:
	}
	s.typeAfter("}", keyEnter)
	r := wait(t, ch)
	want := "func main() {\n\tfmt.Println(\"hi\") \\\n}"
	if r.line != want || r.err != nil {
		t.Fatalf("ReadLine = %q, %v; want %q", r.line, r.err, want)
	}
	s.waitFor(pasteOff)
	if shown := s.shown.String(); strings.Index(shown, pasteOff) < strings.Index(shown, "}") {
		t.Errorf("bracketed paste was turned off before the input ended:\n%q", shown)
	}
	// The next prompt takes typed lines one by one again.
	ch = s.readLine(context.Background(), "you> ")
	s.waitCount(pasteOn, 2)
	s.typeAfter("you> ", "typed"+keyEnter)
	if r := wait(t, ch); r.line != "typed" || r.err != nil {
		t.Errorf("after a paste: %q, %v; want \"typed\"", r.line, r.err)
	}
	// The paste is one history entry (on one line), not one per line.
	ch = s.readLine(context.Background(), "you> ")
	s.waitCount(pasteOn, 3)
	s.typeAfter("you> ", keyUp+keyUp+keyEnter)
	if r, want := wait(t, ch), "func main() { \tfmt.Println(\"hi\") \\ }"; r.line != want || r.err != nil {
		t.Errorf("two entries back in the history: %q, %v; want %q", r.line, r.err, want)
	}
}

// A long paste becomes a placeholder that the input expands; a short one is
// typed in. A paste past the cap is kept up to it and says so.
func TestPasteFilter_LongPastes(t *testing.T) {
	long := strings.Repeat("0123456789", 300)               // 3000 characters, one line
	wide := "first\n" + strings.Repeat("w", 600) + "\nlast" // a line too long to type in
	many := strings.Repeat("short line\n", 300)             // 3300 bytes
	tests := []struct {
		name, paste, placeholder, want string
	}{
		{"one long line", long, "[paste 1: 3000 characters]", long},
		{"a wide line among short ones", wide, "[paste 1: 3 lines, 611 characters]", wide},
		{"many lines, CR LF, the last break dropped", strings.ReplaceAll(many, "\n", "\r\n"), "[paste 1: 300 lines, 3299 characters]", strings.TrimSuffix(many, "\n")},
		{"characters, not bytes", strings.Repeat("é", 1500), "[paste 1: 1500 characters]", strings.Repeat("é", 1500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f pasteFilter
			out := f.feed(nil, []byte("see "+pasteStart+tt.paste+pasteEnd+" please"))
			if got := string(out); got != "see "+tt.placeholder+" please" {
				t.Fatalf("the editor reads %q, want the placeholder %q", shorten(got), tt.placeholder)
			}
			for range 2 { // recalled from the history, it expands again
				if got, err := f.expand(string(out)); got != "see "+tt.want+" please" || err != nil {
					t.Errorf("expanded: %q, %v", shorten(got), err)
				}
			}
		})
	}

	// The session keeps the last four long pastes; an older placeholder, or
	// one from another session, is an error rather than prompt text.
	var kept pasteFilter
	var placeholders []string
	for i := range 6 {
		placeholders = append(placeholders, string(kept.feed(nil, []byte(pasteStart+strings.Repeat(fmt.Sprint(i), 3000)+pasteEnd))))
	}
	for i, ph := range placeholders {
		got, err := kept.expand("x " + ph)
		if gone := i < 2; gone != errors.Is(err, ErrPasteGone) || !gone && got != "x "+strings.Repeat(fmt.Sprint(i), 3000) {
			t.Errorf("paste %d of 6: %q, %v; want it gone %v", i+1, shorten(got), err, gone)
		}
	}
	if _, err := kept.expand("a typed [paste 9: 12 characters] look-alike"); !errors.Is(err, ErrPasteGone) || !strings.Contains(err.Error(), "[paste 9: 12 characters]") {
		t.Errorf("a placeholder with no paste: %v", err)
	}
	if got, err := kept.expand("[not a paste] and [paste] stay"); got != "[not a paste] and [paste] stay" || err != nil {
		t.Errorf("text that is no placeholder: %q, %v", got, err)
	}
	// One pass: a paste whose text looks like another placeholder is not expanded again.
	var nested pasteFilter
	first := string(nested.feed(nil, []byte(pasteStart+strings.Repeat("a", 3000)+pasteEnd)))
	second := string(nested.feed(nil, []byte(pasteStart+first+strings.Repeat("b", 3000)+pasteEnd)))
	if got, err := nested.expand(second); got != first+strings.Repeat("b", 3000) || err != nil {
		t.Errorf("a paste holding a placeholder's text: %q, %v", shorten(got), err)
	}

	var f pasteFilter
	f.feed(nil, []byte(pasteStart))
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for range maxPasteBytes>>20 + 2 {
		f.feed(nil, chunk)
	}
	out := string(f.feed(nil, []byte(pasteEnd)))
	if want := fmt.Sprintf("[paste 1: %d characters, cut at %d MiB]", maxPasteBytes, maxPasteBytes>>20); out != want {
		t.Fatalf("an oversized paste reads %q, want %q", out, want)
	}
	if got, _ := f.expand(out); len(got) != maxPasteBytes {
		t.Errorf("the oversized paste kept %d bytes, want %d", len(got), maxPasteBytes)
	}
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// A 200 KB line of minified JSON pasted into a real terminal is one input,
// whole, at once: typed into the editor character by character it kept the
// prompt busy for minutes.
func TestIO_ReadLine_TerminalLongPaste(t *testing.T) {
	s := newScreen(t, nil)
	ch := s.readLine(context.Background(), "you> ")
	s.waitFor(pasteOn)
	var b strings.Builder
	b.WriteString("[")
	for i := range 20000 {
		fmt.Fprintf(&b, `{"id":%d},`, i)
	}
	json := strings.TrimSuffix(b.String(), ",") + "]"
	s.typeAfter("you> ", "explain "+pasteStart+json+pasteEnd)
	s.waitFor("[paste 1: ")
	s.typeAfter("characters]", keyEnter)
	r := wait(t, ch)
	if r.err != nil || r.line != "explain "+json {
		t.Fatalf("ReadLine = %q (%d bytes), %v; want the whole paste", shorten(r.line), len(r.line), r.err)
	}
	// Recalled from the history, the placeholder still stands for the paste.
	ch = s.readLine(context.Background(), "you> ")
	s.waitCount(pasteOn, 2)
	s.typeAfter("you> ", keyUp+keyEnter)
	if r := wait(t, ch); r.err != nil || r.line != "explain "+json {
		t.Errorf("recalled: %q (%d bytes), %v; want the whole paste", shorten(r.line), len(r.line), r.err)
	}
	// A placeholder that stands for nothing (an older session's) is not
	// sent: the prompt says so and asks again.
	ch = s.readLine(context.Background(), "you> ")
	s.waitCount(pasteOn, 3)
	s.typeAfter("you> ", "see [paste 7: 12 characters]"+keyEnter)
	s.waitFor("no longer kept")
	s.typeAfter("(paste it again)", "fine"+keyEnter)
	if r := wait(t, ch); r.err != nil || r.line != "fine" {
		t.Errorf("after a stale placeholder: %q, %v; want \"fine\"", r.line, r.err)
	}
}
