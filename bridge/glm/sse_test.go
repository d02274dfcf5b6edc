package glm

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// readAllEvents drains an SSEReader.
func readAllEvents(r io.Reader) ([]string, error) {
	s := NewSSEReader(r)
	var out []string
	for {
		data, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(data))
	}
}

func TestSSEReader_Next(t *testing.T) {
	long := strings.Repeat("x", 200<<10) // longer than the reader's buffer
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"LF", "data: a\n\ndata: b\n\n", []string{"a", "b"}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"a", "b"}},
		{"lone CR", "data: a\r\rdata: b\r\r", []string{"a", "b"}},
		{"comment lines", ": keep-alive\n\ndata: a\n: note\n\n", []string{"a"}},
		{"data without a space", "data:a\n\ndata:  b\n\n", []string{"a", " b"}},
		{"missing final newline", "data: a\n\ndata: [DONE]", []string{"a", "[DONE]"}},
		{"missing final blank line", "data: a\n", []string{"a"}},
		{"multi-line data joined by LF", "data: a\ndata: b\n\n", []string{"a\nb"}},
		{"other fields ignored", "event: message\nid: 7\nretry: 100\ndata: a\n\n", []string{"a"}},
		{"field without colon", "data\n\n", []string{""}},
		{"blank lines without data dispatch nothing", "\n\n\n\ndata: a\n\n\n", []string{"a"}},
		{"unknown field only", "foo: bar\n\n", nil},
		{"line longer than the buffer", "data: " + long + "\n\n", []string{long}},
		{"empty body", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAllEvents(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events = %q, want %q", got, tt.want)
			}
			// Delivered a byte at a time, the result is the same.
			got, err = readAllEvents(iotest.OneByteReader(strings.NewReader(tt.in)))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("one byte at a time: events = %q, %v", got, err)
			}
		})
	}
}

func TestSSEReader_Next_tooLarge(t *testing.T) {
	in := "data: " + strings.Repeat("y", MaxEventSize) + "\n\n"
	_, err := readAllEvents(strings.NewReader(in))
	if !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
}

func TestSSEReader_Next_readError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("data: a\n\n"), iotest.ErrReader(io.ErrUnexpectedEOF))
	got, err := readAllEvents(r)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != 1 {
		t.Fatalf("events %q, err %v", got, err)
	}
}

// streamVariants rewrites a recorded stream the ways real servers differ.
func streamVariants(body []byte) map[string][]byte {
	crlf := bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n"))
	nospace := bytes.ReplaceAll(body, []byte("data: "), []byte("data:"))
	comments := bytes.ReplaceAll(body, []byte("\n\n"), []byte("\n: keep-alive\n\n: ping\n\n"))
	return map[string][]byte{
		"as recorded":           body,
		"CRLF":                  crlf,
		"data without space":    nospace,
		"comment lines":         comments,
		"no final newline":      bytes.TrimRight(body, "\n"),
		"all of them":           bytes.TrimRight(bytes.ReplaceAll(bytes.ReplaceAll(nospace, []byte("\n\n"), []byte("\n: c\n\n")), []byte("\n"), []byte("\r\n")), "\r\n"),
		"without [DONE] at all": bytes.ReplaceAll(body, []byte("data: [DONE]"), nil),
	}
}

func TestParseStream_variants(t *testing.T) {
	files, _ := filepath.Glob("testdata/stream_*.sse")
	if len(files) < 8 {
		t.Fatalf("found %d stream fixtures", len(files))
	}
	for _, file := range files {
		if strings.Contains(file, "midstream_error") || strings.Contains(file, "event_error") {
			continue // an error frame, covered by the client tests
		}
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ParseStream(bytes.NewReader(body), nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for name, v := range streamVariants(body) {
			t.Run(filepath.Base(file)+"/"+name, func(t *testing.T) {
				got, err := ParseStream(iotest.HalfReader(bytes.NewReader(v)), nil)
				if err != nil {
					t.Fatalf("ParseStream: %v", err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v\nwant %+v", got, want)
				}
			})
		}
	}
}
