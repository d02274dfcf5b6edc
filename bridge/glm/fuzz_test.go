package glm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// streamSeeds returns every recorded stream and its variants: the fuzz targets start from what
// real servers send.
func streamSeeds(t testing.TB) [][]byte {
	files, err := filepath.Glob("testdata/stream_*.sse")
	if err != nil || len(files) == 0 {
		t.Fatalf("no stream fixtures: %v", err)
	}
	var seeds [][]byte
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range streamVariants(b) {
			seeds = append(seeds, v)
		}
	}
	return seeds
}

// referenceSSE is a direct, slow reading of the event-stream rules the reader implements.
func referenceSSE(in []byte) []string {
	var out []string
	for _, e := range referenceNamedSSE(in) {
		out = append(out, e.data)
	}
	return out
}

type namedEvent struct{ name, data string }

// referenceNamedSSE also keeps each event's name (its last "event" field, cut to 64 bytes).
func referenceNamedSSE(in []byte) []namedEvent {
	s := strings.ReplaceAll(string(in), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []namedEvent
	var data []string
	event := ""
	has := false
	for _, l := range strings.Split(s, "\n") {
		if l == "" {
			if has {
				out = append(out, namedEvent{event, strings.Join(data, "\n")})
			}
			data, has, event = nil, false, ""
			continue
		}
		if l[0] == ':' {
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimPrefix(value, " ")
		if name == "event" {
			event = value[:min(len(value), 64)]
		}
		if name != "data" {
			continue
		}
		data, has = append(data, value), true
	}
	if has {
		out = append(out, namedEvent{event, strings.Join(data, "\n")})
	}
	return out
}

func FuzzSSEReader(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("data: a\r\rdata: b\r\n\r\n: c\rdata"))
	f.Add([]byte("event: error\ndata: {}\n\nevent: x\n\ndata: b\n\nevent:error\rdata: c"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var got []namedEvent
		sr := NewSSEReader(bytes.NewReader(in))
		for {
			data, err := sr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			got = append(got, namedEvent{sr.Event(), string(data)})
		}
		if want := referenceNamedSSE(in); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("events = %q\nreference %q", got, want)
		}
	})
}

func FuzzParseStream(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var log eventLog
		resp, err := ParseStream(bytes.NewReader(in), log.add)
		if resp == nil {
			t.Fatalf("nil response (err %v)", err)
		}
		checkAssembled(t, resp, &log)
		if err == nil && !validUTF8(resp) {
			return
		}
		if err == nil {
			// What a transcript stores decodes to the same answer.
			b, merr := json.Marshal(resp)
			again, apiErr, derr := decodeResponse(b)
			if merr != nil || derr != nil || apiErr != nil || !reflect.DeepEqual(again.Choices, resp.Choices) {
				t.Fatalf("round trip: %v %v %v\n%+v\n%+v", merr, derr, apiErr, again, resp)
			}
		}
	})
}

// checkAssembled asserts that the events delivered add up to the assembled response.
func checkAssembled(t *testing.T, resp *Response, log *eventLog) {
	t.Helper()
	for i, c := range resp.Choices {
		if i > 0 && resp.Choices[i-1].Index >= c.Index {
			t.Fatalf("choices out of order: %d then %d", resp.Choices[i-1].Index, c.Index)
		}
		if got := log.text(c.Index, EventContentDelta); got != c.Message.Content {
			t.Fatalf("content events %q != content %q", got, c.Message.Content)
		}
		if got := log.text(c.Index, EventReasoningDelta); got != c.Message.ReasoningContent {
			t.Fatalf("reasoning events %q != reasoning %q", got, c.Message.ReasoningContent)
		}
		checkCalls(t, c.Message.ToolCalls, func(index int) string { return log.args(c.Index, index) })
	}
	var last *Usage
	for _, ev := range log.events {
		if ev.Type == EventUsage {
			u := ev.Usage
			if last != nil && *last == u {
				t.Fatalf("the same usage reported twice")
			}
			last = &u
		}
	}
	if !reflect.DeepEqual(last, resp.Usage) {
		t.Fatalf("last usage event %+v != usage %+v", last, resp.Usage)
	}
}

func checkCalls(t *testing.T, calls []ToolCall, argEvents func(index int) string) {
	t.Helper()
	for i, tc := range calls {
		if i > 0 && calls[i-1].Index >= tc.Index {
			t.Fatalf("tool calls out of order or sharing an index: %d then %d", calls[i-1].Index, tc.Index)
		}
		if tc.Type == "" {
			t.Fatalf("call %d has no type", i)
		}
		if got := argEvents(tc.Index); got != tc.Function.Arguments {
			t.Fatalf("argument events %q != arguments %q", got, tc.Function.Arguments)
		}
	}
}

func validUTF8(r *Response) bool {
	ok := utf8.ValidString(r.ID) && utf8.ValidString(r.Model) && utf8.ValidString(r.RequestID)
	for _, c := range r.Choices {
		m := c.Message
		ok = ok && utf8.ValidString(m.Content) && utf8.ValidString(m.ReasoningContent) && utf8.ValidString(string(c.FinishReason))
		for _, tc := range m.ToolCalls {
			ok = ok && utf8.ValidString(tc.ID) && utf8.ValidString(tc.Type) && utf8.ValidString(tc.Function.Name) && utf8.ValidString(tc.Function.Arguments)
		}
	}
	return ok
}

// toolCallSeeds extracts the tool_calls entries of the stream fixtures, one JSON object a line
// per fixture: the input format of FuzzToolCallAssembler.
func toolCallSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob("testdata/stream_*.sse")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var lines []byte
		for _, data := range referenceSSE(b) {
			var c chunk
			if json.Unmarshal([]byte(data), &c) != nil {
				continue
			}
			for _, ch := range c.Choices {
				for _, tc := range ch.Delta.ToolCalls {
					line, _ := json.Marshal(tc)
					lines = append(append(lines, line...), '\n')
				}
			}
		}
		if len(lines) > 0 {
			seeds = append(seeds, lines)
		}
	}
	if len(seeds) < 3 {
		t.Fatalf("only %d tool-call seeds", len(seeds))
	}
	return seeds
}

func FuzzToolCallAssembler(f *testing.F) {
	for _, s := range toolCallSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"id":"a","function":{"name":"f","arguments":"{"}}` + "\n" + `{"function":{"arguments":"}"}}` + "\n" +
		`{"id":"a","index":0,"function":{"arguments":"{}"}}` + "\n" + `{"index":-1,"function":{"arguments":{"x":1}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var a ToolCallAssembler
		var deltas []ToolCallDelta
		sc := bufio.NewScanner(bytes.NewReader(in))
		for sc.Scan() {
			var tc toolCallChunk
			if json.Unmarshal(sc.Bytes(), &tc) != nil {
				continue
			}
			fr := ToolCallFragment{ID: tc.ID, Type: tc.Type, Name: tc.Function.Name, Arguments: string(tc.Function.Arguments)}
			if tc.Index != nil {
				fr.Index, fr.HasIndex = *tc.Index, true
			}
			if d, ok := a.Add(fr); ok {
				deltas = append(deltas, d)
			}
		}
		if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		calls := a.Calls()
		if len(calls) != a.Len() {
			t.Fatalf("%d calls, Len %d", len(calls), a.Len())
		}
		checkCalls(t, calls, func(index int) string {
			var b strings.Builder
			for _, d := range deltas {
				if d.Index == index {
					b.WriteString(d.Arguments)
				}
			}
			return b.String()
		})
	})
}
