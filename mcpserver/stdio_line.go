package mcpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// lineReader reads newline-delimited messages without ever holding more than
// max bytes of one: the rest of a longer line is read and thrown away.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its newline. A line longer than max
// comes back as its first max bytes with tooLong set. The slice is valid
// until the next call. err is io.EOF once the input is done (a last line
// without a newline is returned first).
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if !tooLong {
			if room := l.max - len(l.buf); len(bytes.TrimSuffix(chunk, []byte{'\n'})) > room {
				l.buf = append(l.buf, chunk[:room]...)
				tooLong = true
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil:
			return bytes.TrimSuffix(l.buf, []byte{'\n'}), tooLong, nil
		case err == io.EOF && (len(l.buf) > 0 || tooLong):
			return l.buf, tooLong, nil
		default:
			return nil, false, err
		}
	}
}

// idScanLimit bounds how much of an over-long line is searched for its id.
const idScanLimit = 64 << 10

// prefixID reads the top-level "id" of a message of which only a prefix is
// at hand, for the error answering a line too long to serve. It looks at the
// first idScanLimit bytes only; an id after a large value is not found and
// the answer carries a null id.
func prefixID(prefix []byte) json.RawMessage {
	if len(prefix) > idScanLimit {
		prefix = prefix[:idScanLimit]
	}
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil
		}
		if strings.EqualFold(key, "id") {
			if _, ok := idKey(value); ok {
				return value
			}
			return nil
		}
	}
	return nil
}
