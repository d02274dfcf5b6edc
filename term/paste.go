package term

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Bracketed paste (xterm, and every terminal emulator and multiplexer in
// use): while the line editor reads, the terminal is asked to wrap pasted
// text in these markers, so a paste is told apart from typing.
const (
	pasteOn    = "\x1b[?2004h"
	pasteOff   = "\x1b[?2004l"
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
)

// A paste longer than inlinePasteBytes, or with a line longer than
// inlinePasteLine, is not typed into the line editor, which redraws the
// whole line for every character (a 200 KB line of minified JSON kept it
// busy for minutes): it becomes a short placeholder that the input expands
// when it is sent. A paste is kept up to maxPasteBytes.
const (
	inlinePasteBytes = 2000
	inlinePasteLine  = 500
	maxPasteBytes    = DefaultMaxLine
)

// pasteFilter rewrites the bytes of a bracketed paste for the line editor,
// which would otherwise send each pasted line as a prompt of its own.
//
// A short paste is typed in: a line break inside it becomes a backslash and
// Enter, the continuation ReadLine already joins with "\n" (a pasted line that
// ends in a backslash keeps it: one backslash is added and one is dropped),
// and a line break that ends the paste is dropped, so that the user reads the
// paste on the screen and sends it with Enter (a backslash then ending the
// paste continues the input, as it does when typed). A long one becomes a
// placeholder such as "[paste 1: 200000 characters]" that the input
// expands when it is read (see expand).
//
// Outside a paste the bytes pass unchanged; only a tail that could begin a
// marker is held until the next read shows it is not one. Inside a paste,
// control characters other than tab and line breaks are dropped, so pasted
// bytes are only ever text: a pasted Ctrl-C, Ctrl-D, Ctrl-Z, DEL or escape
// sequence does not act as the key it encodes.
type pasteFilter struct {
	inPaste bool
	held    []byte // a possible marker split across reads
	paste   []byte // the paste so far, control characters dropped
	cut     bool   // the paste passed maxPasteBytes

	mu     sync.Mutex  // pastes is read by the caller of ReadLine
	pastes []heldPaste // the newest last; see keptPastes
	n      int         // placeholders made
}

// heldPaste is a long paste and the placeholder that stands for it.
type heldPaste struct{ placeholder, text string }

// The session keeps its last keptPastes long pastes, up to keptPasteBytes in
// all, so that an input recalled from the history expands as it did.
const (
	keptPastes     = 4
	keptPasteBytes = 2 * maxPasteBytes
)

// placeholderPattern matches what a placeholder looks like, to tell the user
// when one no longer stands for a paste (from an earlier session's history).
var placeholderPattern = regexp.MustCompile(`\[paste [0-9]+: [^\]]*characters[^\]]*\]`)

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
				out = f.endPaste(out)
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
	if f.inPaste {
		out = f.endPaste(out)
		f.inPaste = false
	}
	out = append(out, f.held...)
	f.held = nil
	return out
}

// text appends bytes that hold no marker: to out, or to the paste.
func (f *pasteFilter) text(out, b []byte) []byte {
	if !f.inPaste {
		return append(out, b...)
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			continue // a control character (see pasteFilter)
		}
		if len(f.paste) >= maxPasteBytes {
			f.cut = true
			continue
		}
		f.paste = append(f.paste, c)
	}
	return out
}

// endPaste appends what the editor reads for the paste that just ended.
func (f *pasteFilter) endPaste(out []byte) []byte {
	text := strings.ReplaceAll(strings.ReplaceAll(string(f.paste), "\r\n", "\n"), "\r", "\n")
	text = strings.TrimSuffix(text, "\n")
	text = strings.ToValidUTF8(text, "\uFFFD")
	f.paste = f.paste[:0]
	if cap(f.paste) > 64<<10 {
		f.paste = nil // do not keep a big buffer for the next paste
	}
	cut := f.cut
	f.cut = false
	if !cut && len(text) <= inlinePasteBytes && longestLine(text) <= inlinePasteLine {
		return append(out, strings.ReplaceAll(text, "\n", "\\\r")...)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	lines := strings.Count(text, "\n") + 1
	desc := fmt.Sprintf("%d characters", utf8.RuneCountInString(text))
	if lines > 1 {
		desc = fmt.Sprintf("%d lines, %s", lines, desc)
	}
	if cut {
		desc += fmt.Sprintf(", cut at %d MiB", maxPasteBytes>>20)
	}
	ph := fmt.Sprintf("[paste %d: %s]", f.n, desc)
	f.pastes = append(f.pastes, heldPaste{ph, text})
	total := 0
	for i := len(f.pastes) - 1; i >= 0; i-- {
		total += len(f.pastes[i].text)
		if len(f.pastes)-i > keptPastes || total > keptPasteBytes {
			f.pastes = slices.Delete(f.pastes, 0, i+1)
			break
		}
	}
	return append(out, ph...)
}

// ErrPasteGone: an input holds a placeholder of a paste no longer kept.
var ErrPasteGone = errors.New("a paste in this input is no longer kept")

// expand replaces the placeholders in an input with the pastes they stand
// for, in one pass. A placeholder whose paste is gone (an older session's,
// recalled from the history) is an error naming it, rather than being sent
// as the text of the prompt.
func (f *pasteFilter) expand(input string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pairs := make([]string, 0, 2*len(f.pastes))
	held := map[string]bool{}
	for _, p := range f.pastes {
		pairs = append(pairs, p.placeholder, p.text)
		held[p.placeholder] = true
	}
	for _, ph := range placeholderPattern.FindAllString(input, -1) {
		if !held[ph] {
			return "", fmt.Errorf("%w: %s (paste it again)", ErrPasteGone, ph)
		}
	}
	if len(pairs) == 0 {
		return input, nil
	}
	return strings.NewReplacer(pairs...).Replace(input), nil
}

func longestLine(s string) int {
	longest := 0
	for line := range strings.SplitSeq(s, "\n") {
		longest = max(longest, len(line))
	}
	return longest
}
