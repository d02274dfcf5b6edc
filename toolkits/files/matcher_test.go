package files

import (
	"bytes"
	"testing"
)

func FuzzToLowerASCII(f *testing.F) {
	for _, s := range []string{"", "Hello, World", "ÄÖÜ ABC xyz @[`{", "\x80\xffAZaz"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := toLowerASCII(nil, b)
		want := make([]byte, len(b))
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			want[i] = c
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("toLowerASCII(%q) = %q, want %q", b, got, want)
		}
	})
}
