package glm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxEventSize bounds one server-sent event's data, so a broken server cannot make the reader
// grow without limit.
const MaxEventSize = 8 << 20

// ErrEventTooLarge is returned by SSEReader.Next for an event over MaxEventSize.
var ErrEventTooLarge = errors.New("glm: server-sent event exceeds the size limit")

// SSEReader splits a text/event-stream body into the data of its events. It is lenient in the
// ways real servers need: lines may end in LF, CRLF or CR; "data:" may lack the space; comment
// lines (":…") and other fields (event, id, retry) are skipped; an event still pending when the
// body ends without a blank line is delivered.
type SSEReader struct {
	r       *bufio.Reader
	data    []byte // data lines of the event being read, joined by "\n"
	has     bool   // a data field has been seen for the pending event
	event   []byte // the pending event's "event" field
	line    []byte // reused buffer for lines longer than the bufio buffer
	pending []byte // logical lines left over after a lone CR ended an event
	done    bool
}

// NewSSEReader returns a reader of the events in r.
func NewSSEReader(r io.Reader) *SSEReader {
	return &SSEReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the data of the next event. The slice is valid until the next call. At the end
// of the body it returns io.EOF; a read error is returned as it is.
func (s *SSEReader) Next() ([]byte, error) {
	if s.done {
		return nil, io.EOF
	}
	s.data, s.has, s.event = s.data[:0], false, s.event[:0]
	if len(s.pending) > 0 {
		if ev, ok, err := s.lines(s.pending); err != nil || ok {
			return ev, err
		}
	}
	for {
		line, err := s.readLine()
		if len(line) > 0 || err == nil {
			if ev, ok, ferr := s.lines(line); ferr != nil || ok {
				return ev, ferr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.done = true
				if s.has {
					return s.data, nil
				}
			}
			return nil, err
		}
	}
}

// lines handles one physical line, which may hold several logical lines split by lone CRs
// (every piece is a line: an empty piece is a blank line). It reports an event when a blank
// line completes one, keeping the rest of the line for the next call.
func (s *SSEReader) lines(line []byte) ([]byte, bool, error) {
	for {
		part, rest, split := bytes.Cut(line, []byte{'\r'})
		if len(part) == 0 {
			if s.has {
				s.pending = append(s.pending[:0], rest...) // an empty rest is a blank line: nothing
				return s.data, true, nil
			}
			s.event = s.event[:0] // a blank line ends an event without data: its name goes too
		} else if err := s.field(part); err != nil {
			return nil, false, err
		}
		if !split {
			s.pending = s.pending[:0]
			return nil, false, nil
		}
		line = rest
	}
}

// field applies one non-empty line to the pending event.
func (s *SSEReader) field(line []byte) error {
	if line[0] == ':' {
		return nil // comment, e.g. ": keep-alive"
	}
	name, value, _ := bytes.Cut(line, []byte{':'})
	value = bytes.TrimPrefix(value, []byte{' '})
	if string(name) == "event" {
		if len(value) > maxEventName {
			value = value[:maxEventName]
		}
		s.event = append(s.event[:0], value...)
		return nil
	}
	if string(name) != "data" {
		return nil // id, retry and unknown fields carry nothing we use
	}
	if len(s.data)+len(value)+1 > MaxEventSize {
		return ErrEventTooLarge
	}
	if s.has {
		s.data = append(s.data, '\n')
	}
	s.data = append(s.data, value...)
	s.has = true
	return nil
}

// maxEventName bounds the kept event name; only "error" matters.
const maxEventName = 64

// Event returns the event name ("event:" field) of the event Next last returned, or "" for
// the default "message" event. Z.ai's official SDK raises on "event: error".
func (s *SSEReader) Event() string { return string(s.event) }

// readLine returns the next line without its LF and without one CR before it.
func (s *SSEReader) readLine() ([]byte, error) {
	b, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.line = append(s.line[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(s.line) > MaxEventSize {
				return nil, ErrEventTooLarge
			}
			b, err = s.r.ReadSlice('\n')
			s.line = append(s.line, b...)
		}
		b = s.line
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("glm: read stream: %w", err)
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return b, err
}
