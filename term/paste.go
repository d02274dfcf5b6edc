package term

import "bytes"

// Bracketed paste (xterm, and every terminal emulator and multiplexer in
// use): while the line editor reads, the terminal is asked to wrap pasted
// text in these markers, so a paste is told apart from typing.
const (
	pasteOn    = "\x1b[?2004h"
	pasteOff   = "\x1b[?2004l"
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
)

// pasteFilter rewrites the bytes of a bracketed paste for the line editor,
// which would otherwise send each pasted line as a prompt of its own: a line
// break inside a paste becomes a backslash and Enter, the continuation
// ReadLine already joins with "\n" (a pasted line that ends in a backslash
// keeps it: one backslash is added and one is dropped), and a line break that
// ends the paste is dropped, so that the user reads the paste on the screen
// and sends it with Enter (a backslash then ending the paste continues the
// input, as it does when typed). \r\n, \r and \n each count as one
// line break. Outside a paste the bytes pass unchanged; only a tail that
// could begin a marker is held until the next read shows it is not one.
// Inside a paste, control characters other than tab and line breaks are
// dropped, so pasted bytes are only ever text: a pasted Ctrl-C, Ctrl-D,
// Ctrl-Z, DEL or escape sequence does not act as the key it encodes.
type pasteFilter struct {
	inPaste  bool
	held     []byte // a possible marker split across reads
	lineDone bool   // a line break inside the paste, not yet written
	afterCR  bool   // the last byte of the paste was \r (a \n after it is the same break)
}

// feed appends to out what the editor should read for in.
func (f *pasteFilter) feed(out, in []byte) []byte {
	buf := in
	if len(f.held) > 0 {
		buf = append(f.held, in...)
		f.held = nil
	}
	for len(buf) > 0 {
		marker := pasteStart
		if f.inPaste {
			marker = pasteEnd
		}
		i := bytes.IndexByte(buf, 0x1b)
		if i < 0 {
			out = f.text(out, buf)
			break
		}
		out = f.text(out, buf[:i])
		rest := buf[i:]
		switch {
		case bytes.HasPrefix(rest, []byte(marker)):
			if f.inPaste {
				f.lineDone, f.afterCR = false, false // a final line break is dropped
			}
			f.inPaste = !f.inPaste
			buf = rest[len(marker):]
		case len(rest) < len(marker) && bytes.HasPrefix([]byte(marker), rest):
			f.held = append([]byte(nil), rest...)
			return out
		default:
			if !f.inPaste {
				out = append(out, rest[0])
			}
			buf = rest[1:]
		}
	}
	return out
}

// flush returns what is held back, as it came: the input ended.
func (f *pasteFilter) flush(out []byte) []byte {
	out = append(out, f.held...)
	f.held = nil
	return out
}

// text appends bytes that hold no marker.
func (f *pasteFilter) text(out, b []byte) []byte {
	if !f.inPaste {
		return append(out, b...)
	}
	for _, c := range b {
		switch {
		case c == '\n' && f.afterCR:
			f.afterCR = false
		case c == '\r' || c == '\n':
			if f.lineDone {
				out = append(out, '\\', '\r')
			}
			f.lineDone, f.afterCR = true, c == '\r'
		case c < 0x20 && c != '\t' || c == 0x7f:
			// A control character: dropped (see pasteFilter).
		default:
			if f.lineDone {
				out = append(out, '\\', '\r')
				f.lineDone = false
			}
			f.afterCR = false
			out = append(out, c)
		}
	}
	return out
}
