package mcpserver

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLineReader_Next(t *testing.T) {
	type line struct {
		text    string
		tooLong bool
	}
	tests := []struct {
		name  string
		input string
		max   int
		want  []line
	}{
		{"lines", "a\nbc\n", 5, []line{{"a", false}, {"bc", false}}},
		{"last line without newline", "a\nbc", 5, []line{{"a", false}, {"bc", false}}},
		{"exactly the limit", "abcde\nx\n", 5, []line{{"abcde", false}, {"x", false}}},
		{"one over", "abcdef\nx\n", 5, []line{{"abcde", true}, {"x", false}}},
		{"long line at EOF", strings.Repeat("y", 200000), 10, []line{{"yyyyyyyyyy", true}}},
		{"long line spanning buffers", strings.Repeat("z", 200000) + "\nok\n", 100, []line{{strings.Repeat("z", 100), true}, {"ok", false}}},
		{"empty", "", 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lr := newLineReader(iotest.OneByteReader(strings.NewReader(tc.input)), tc.max)
			var got []line
			for {
				text, tooLong, err := lr.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(text) > tc.max {
					t.Fatalf("held %d bytes, max %d", len(text), tc.max)
				}
				got = append(got, line{string(text), tooLong})
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d lines %v, want %v", len(got), got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("line %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestPrefixID(t *testing.T) {
	tests := []struct {
		name, prefix, want string
	}{
		{"id first", `{"jsonrpc":"2.0","id":"\u0061","method":"x","params":{"a":"xxxx`, `"\u0061"`},
		{"id in another case", `{"ID":3,"params":"xx`, `3`},
		{"id after a cut value", `{"params":{"a":"xxxx`, ``},
		{"null id", `{"id":null,"params":"x`, ``},
		{"not an object", `["id",1`, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(prefixID([]byte(tc.prefix))); got != tc.want {
				t.Fatalf("prefixID = %q, want %q", got, tc.want)
			}
		})
	}
}
