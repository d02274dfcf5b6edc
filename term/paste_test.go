package term

import (
	"context"
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
