package httpfetch

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// headerLine parses the first line of fetch_url's text block.
var headerLine = regexp.MustCompile(`^(\S+) (\d+) (\S+), characters (\d+)-(\d+) of (\d+)(; next page: start_index=(\d+))?(; body cut at the size limit)?(; HTML cut before conversion, raw=true reads it all)?$`)

// checkPageText parses a text block as a model would read it and checks it
// tells the same facts as the structured content.
func checkPageText(t *testing.T, text string, fr FetchResult) {
	t.Helper()
	head, content, ok := strings.Cut(text, "\n\n")
	if !ok {
		t.Fatalf("text block has no header line:\n%.300s", text)
	}
	m := headerLine.FindStringSubmatch(head)
	if m == nil {
		t.Fatalf("header line %q does not parse", head)
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	got := fmt.Sprint(m[1], num(m[2]), m[3], num(m[4]), num(m[6]), m[7] != "", num(m[8]), m[9] != "", m[10] != "", content)
	want := fmt.Sprint(fr.FinalURL, fr.Status, fr.ContentType, fr.StartIndex, fr.TotalLength, fr.Truncated, fr.NextStartIndex, fr.BodyTruncated, fr.HTMLTruncated, fr.Content)
	if got != want {
		t.Errorf("text block says\n%.400s\nstructured content says\n%.400s", got, want)
	}
	if fr.Truncated && num(m[5]) != fr.NextStartIndex {
		t.Errorf("characters shown end at %s, next start_index is %d", m[5], fr.NextStartIndex)
	}
}
