package sqlite

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxPadWidth caps column padding: longer cells are written whole but do
	// not widen their column, so one long text does not pad every row.
	maxPadWidth = 32
	// maxBlobHex is how many bytes of a BLOB the text table shows.
	maxBlobHex = 32
)

// renderTable writes a query result as a compact table for a model to read:
// a summary line first (row count, truncation and how to page, notes), then
// a header, a rule and one line per row with cells separated by " | ". NULL
// is written NULL, BLOBs as X'…' hex, and newlines, tabs and '|' inside text
// are escaped. It holds no timing, so that the same data reads the same.
func renderTable(res *QueryResult) string {
	if len(res.Columns) == 0 {
		return summary(res) + "(the statement returns no columns)\n"
	}
	cells := make([]string, 0, (len(res.Rows)+1)*len(res.Columns))
	cells = append(cells, res.Columns...)
	size := 0
	for _, row := range res.Rows {
		for _, v := range row {
			c := cellText(v)
			size += len(c) + 3
			cells = append(cells, c)
		}
	}
	ncol := len(res.Columns)
	widths := make([]int, ncol)
	for i, c := range cells {
		widths[i%ncol] = max(widths[i%ncol], min(utf8.RuneCountInString(c), maxPadWidth))
	}
	var b strings.Builder
	b.Grow(size + len(res.Rows)*ncol*4 + 512)
	b.WriteString(summary(res))
	for i := 0; i < len(cells); i += ncol {
		writeLine(&b, cells[i:i+ncol], widths)
		if i == 0 {
			writeRule(&b, widths)
		}
	}
	return b.String()
}

const spaces = "                                " // maxPadWidth of them

// writeLine writes one line of cells. All but the last are padded, and the
// last separator loses its space before an empty last cell, so that lines do
// not end in blanks.
func writeLine(b *strings.Builder, cells []string, widths []int) {
	for i, c := range cells {
		if i > 0 {
			b.WriteString(" |")
			if c != "" || i < len(cells)-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(c)
		if i < len(cells)-1 {
			if pad := widths[i] - utf8.RuneCountInString(c); pad > 0 {
				b.WriteString(spaces[:pad])
			}
		}
	}
	b.WriteByte('\n')
}

func writeRule(b *strings.Builder, widths []int) {
	for i, w := range widths {
		if i > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", max(w, 1)))
	}
	b.WriteByte('\n')
}

// summary is the line before the table: the row count and, when cut, how
// to see more; then one line per note.
func summary(res *QueryResult) string {
	s := fmt.Sprintf("(%d %s", res.RowCount, plural(res.RowCount, "row", "rows"))
	if res.budgetCut {
		s += "; truncated at the result budget, see the note"
	} else if res.Truncated {
		s += fmt.Sprintf("; truncated: more rows exist, page with LIMIT/OFFSET or raise max_rows up to %d", maxMaxRows)
	}
	s += ")\n"
	for _, n := range res.Notes {
		s += "note: " + n + "\n"
	}
	return s
}

var cellEscaper = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`, "|", `\|`)

// cellText writes one value for the text table.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return string(x)
	case string:
		if !strings.ContainsAny(x, "\n\r\t|") {
			return x
		}
		return cellEscaper.Replace(x)
	case Blob:
		return blobText(x.raw)
	case bool:
		return strconv.FormatBool(x)
	}
	return cellEscaper.Replace(fmt.Sprint(v))
}

// blobText writes a BLOB as an SQL hex literal, cut after maxBlobHex bytes.
func blobText(raw []byte) string {
	if len(raw) <= maxBlobHex {
		return "X'" + strings.ToUpper(hex.EncodeToString(raw)) + "'"
	}
	return fmt.Sprintf("X'%s…' (%d bytes)", strings.ToUpper(hex.EncodeToString(raw[:maxBlobHex])), len(raw))
}
