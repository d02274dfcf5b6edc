package files

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The text blocks a model reads: the content as a good CLI prints it, with
// paging first when a result was cut, so a reply cut short anywhere still
// says how to continue, and a one-line summary last. structuredContent
// carries the same facts as JSON.

// cut says why a find or search result stopped short.
type cut int

const (
	cutNone  cut = iota
	cutCount     // max_results was reached
	cutBytes     // the result byte budget was reached
	cutWalk      // the tree was too large to walk whole
)

// findText renders find_files: one path per line, then a summary line.
func findText(r FindResult, why cut, walkCut bool, maxBytes int64) string {
	var b strings.Builder
	if line := pagingLine(why, walkCut, "files", r.Count, maxBytes, "narrow path or pattern"); line != "" {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for _, f := range r.Files {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d %s", r.Count, plural(r.Count, "file", "files"))
	if r.Truncated {
		b.WriteString(" (truncated)")
	}
	if r.DirsSkipped > 0 {
		fmt.Fprintf(&b, "; %d unreadable %s skipped", r.DirsSkipped, plural(r.DirsSkipped, "folder", "folders"))
	}
	b.WriteByte('\n')
	return b.String()
}

// pagingLine is the first line of a cut result: where it stopped and how to
// ask for less (or more). walkCut adds that the tree was not read whole.
func pagingLine(why cut, walkCut bool, what string, n int, maxBytes int64, narrow string) string {
	var line string
	switch why {
	case cutCount:
		line = fmt.Sprintf("truncated at %d %s: %s, or raise max_results (up to %d)", n, what, narrow, maxMaxResults)
	case cutBytes:
		line = fmt.Sprintf("truncated at %d %s, the %d-byte limit of one result: %s", n, what, maxBytes, narrow)
	case cutWalk:
		return fmt.Sprintf("truncated at %d %s: the tree has more entries than one call reads; %s", n, what, narrow)
	default:
		return ""
	}
	if walkCut {
		line += "; also, the tree has more entries than one call reads"
	}
	return line
}

// searchText renders search_content as `rg -n --heading` does: a file's
// path, then its lines as LINE:text (matches) and LINE-text (context), with
// -- between groups that are not adjacent and a blank line between files.
func searchText(r SearchResult, why cut, walkCut bool, maxBytes int64, context int) string {
	var b strings.Builder
	if line := pagingLine(why, walkCut, "matches", r.Count, maxBytes, "narrow path or include, or make the query more specific"); line != "" {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	files := 0
	for i := 0; i < len(r.Matches); {
		j := i + 1
		for j < len(r.Matches) && r.Matches[j].Path == r.Matches[i].Path {
			j++
		}
		if files > 0 {
			b.WriteByte('\n')
		}
		files++
		b.WriteString(r.Matches[i].Path)
		b.WriteByte('\n')
		writeFileLines(&b, r.Matches[i:j], context > 0)
		i = j
	}
	// Short: on a small result this line is most of the cost over rg's output.
	fmt.Fprintf(&b, "%d %s in %d %s (%d searched)", r.Count, plural(r.Count, "match", "matches"), files, plural(files, "file", "files"), r.FilesScanned)
	if r.DirsSkipped > 0 {
		fmt.Fprintf(&b, "; %d unreadable %s", r.DirsSkipped, plural(r.DirsSkipped, "folder", "folders"))
	}
	if r.Truncated {
		b.WriteString("; truncated, see the first line")
	}
	b.WriteByte('\n')
	return b.String()
}

// numbered is one line of a file as search prints it.
type numbered struct {
	no    int
	text  string
	match bool
}

// writeFileLines prints the matches of one file with their context, each
// line once; a context line that is itself a match prints as a match.
func writeFileLines(b *strings.Builder, ms []Match, separators bool) {
	lines := make([]numbered, 0, len(ms))
	for _, m := range ms {
		for k, t := range m.Before {
			lines = append(lines, numbered{m.Line - len(m.Before) + k, t, false})
		}
		lines = append(lines, numbered{m.Line, m.Text, true})
		for k, t := range m.After {
			lines = append(lines, numbered{m.Line + 1 + k, t, false})
		}
	}
	// Stable: for one line number a match sorts before the same line as context.
	slices.SortStableFunc(lines, func(a, b numbered) int {
		if a.no != b.no {
			return a.no - b.no
		}
		switch {
		case a.match && !b.match:
			return -1
		case b.match && !a.match:
			return 1
		}
		return 0
	})
	last := 0
	for _, l := range lines {
		if l.no <= last {
			continue
		}
		if separators && last > 0 && l.no > last+1 {
			b.WriteString("--\n")
		}
		b.WriteString(strconv.Itoa(l.no))
		if l.match {
			b.WriteByte(':')
		} else {
			b.WriteByte('-')
		}
		b.WriteString(l.text)
		b.WriteByte('\n')
		last = l.no
	}
}

// readText renders read_file: one header line, then the lines exactly as
// they are on disk (raw), numbered when asked.
func readText(r ReadResult, raw []byte, lineNumbers bool) string {
	var b strings.Builder
	b.Grow(len(raw) + 100)
	switch {
	case r.TotalLines == 0:
		fmt.Fprintf(&b, "%s: empty file\n", r.Path)
	case r.Lines == 0:
		fmt.Fprintf(&b, "%s: no lines from offset=%d; the file has %d lines\n", r.Path, r.Offset, r.TotalLines)
	default:
		fmt.Fprintf(&b, "%s: lines %d-%d of %d", r.Path, r.Offset, r.Offset+r.Lines-1, r.TotalLines)
		if r.NextOffset > 0 {
			fmt.Fprintf(&b, "; next: offset=%d", r.NextOffset)
		}
		b.WriteByte('\n')
	}
	if !lineNumbers {
		b.Write(raw)
		return b.String()
	}
	no := r.Offset
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line = raw[:i+1]
		}
		b.WriteString(strconv.Itoa(no))
		b.WriteByte('\t')
		b.Write(line)
		raw = raw[len(line):]
		no++
	}
	return b.String()
}

// listText renders list_directory: one entry per line (name/ for folders,
// name@ for symlinks, then size and modification time), then a summary
// line; the cursor comes first too when more remain.
func listText(r ListResult, start int) string {
	var b strings.Builder
	paging := ""
	if r.NextCursor != "" {
		paging = fmt.Sprintf("entries %d-%d of %d; next: cursor=%s", start+1, start+len(r.Entries), r.Total, r.NextCursor)
		b.WriteString(paging)
		b.WriteByte('\n')
	}
	for _, e := range r.Entries {
		b.WriteString(e.Name)
		switch e.Type {
		case "dir":
			b.WriteByte('/')
		case "symlink":
			b.WriteByte('@')
		case "other":
			b.WriteByte('?')
		}
		if e.Type == "file" {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatInt(e.Size, 10))
		}
		if e.Modified != "" {
			b.WriteByte(' ')
			b.WriteString(compactTime(e.Modified))
		}
		b.WriteByte('\n')
	}
	switch {
	case paging != "":
		b.WriteString(paging)
	default:
		fmt.Fprintf(&b, "%d %s", r.Total, plural(r.Total, "entry", "entries"))
	}
	if r.Truncated {
		b.WriteString("; the folder has more entries than one call reads: only the first ones read were sorted")
	}
	b.WriteByte('\n')
	return b.String()
}

// compactTime shortens an RFC 3339 UTC time to "2006-01-02 15:04".
func compactTime(rfc string) string {
	if len(rfc) >= 16 && rfc[10] == 'T' {
		return rfc[:10] + " " + rfc[11:16]
	}
	return rfc
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
