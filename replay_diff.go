package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// volatileKeys are result fields that differ from run to run by nature:
// timings are never compared.
var volatileKeys = map[string]bool{"elapsed_ms": true, "duration_ms": true, "took_ms": true, "latency_ms": true}

// change is one difference between a recorded result and today's: a JSON
// field (Path like `rows[2].price`) or a line of text (Path `line 12`).
type change struct {
	Path string `json:"path"`
	Want string `json:"recorded,omitempty"`
	Got  string `json:"now,omitempty"`
}

func (c change) String() string {
	switch {
	case c.Want == "":
		return fmt.Sprintf("%s: added %s", c.Path, c.Got)
	case c.Got == "":
		return fmt.Sprintf("%s: removed (was %s)", c.Path, c.Want)
	}
	return fmt.Sprintf("%s: %s → %s", c.Path, c.Want, c.Got)
}

// maxChanges bounds a diff; the count of the rest is reported.
const maxChanges = 50

// compareResults says what changed between two results: a structured diff
// of JSON (volatile fields left out), else a diff of the lines that differ.
// Equal results give no changes.
func compareResults(want, got string) []change {
	var w, g any
	if json.Unmarshal([]byte(want), &w) == nil && json.Unmarshal([]byte(got), &g) == nil && isContainer(w) && isContainer(g) {
		var out []change
		diffJSON("", w, g, &out)
		return out
	}
	if tw, ok := parseTextTable(want); ok {
		if tg, ok := parseTextTable(got); ok && slices.Equal(tw.columns, tg.columns) {
			out := diffLines(strings.Join(tw.head, "\n"), strings.Join(tg.head, "\n"))
			diffRows(tw, tg, &out)
			return out
		}
	}
	return diffLines(want, got)
}

// textTable is a compact table as sqlite_query's text block prints it: some
// lines first (the row count), a header of columns split by " | ", a rule of
// dashes, then a row per line.
type textTable struct {
	head    []string
	columns []string
	rows    [][]string
}

var tableRule = regexp.MustCompile(`^-+(\+-+)*$`)

// parseTextTable finds the table in a text result.
func parseTextTable(s string) (*textTable, bool) {
	lines := strings.Split(s, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !tableRule.MatchString(lines[i+1]) {
			continue
		}
		t := &textTable{head: lines[:i], columns: splitRow(lines[i])}
		for _, l := range lines[i+2:] {
			if l == "" {
				break
			}
			t.rows = append(t.rows, splitRow(l))
		}
		return t, len(t.columns) > 0
	}
	return nil, false
}

func splitRow(line string) []string {
	cells := strings.Split(line, " | ")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(c)
	}
	return cells
}

// diffRows names each changed cell by its row and column.
func diffRows(w, g *textTable, out *[]change) {
	for i := range max(len(w.rows), len(g.rows)) {
		p := fmt.Sprintf("rows[%d]", i)
		switch {
		case i >= len(w.rows):
			*out = append(*out, change{Path: p, Got: strings.Join(g.rows[i], " | ")})
		case i >= len(g.rows):
			*out = append(*out, change{Path: p, Want: strings.Join(w.rows[i], " | ")})
		default:
			for j := range max(len(w.rows[i]), len(g.rows[i])) {
				name := strconv.Itoa(j)
				if j < len(w.columns) {
					name = w.columns[j]
				}
				wv, gv := cell(w.rows[i], j), cell(g.rows[i], j)
				if wv != gv && len(*out) <= maxChanges {
					*out = append(*out, change{Path: p + "." + name, Want: strconv.Quote(wv), Got: strconv.Quote(gv)})
				}
			}
		}
	}
}

func cell(row []string, j int) string {
	if j < len(row) {
		return row[j]
	}
	return ""
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// diffJSON adds the differences between want and got below path.
func diffJSON(path string, want, got any, out *[]change) {
	if len(*out) > maxChanges {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		if table, ok := asTable(w, g); ok {
			diffTable(path, table, out)
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, dup := w[k]; !dup {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if volatileKeys[k] {
				continue
			}
			wv, inW := w[k]
			gv, inG := g[k]
			p := joinPath(path, k)
			switch {
			case !inW:
				*out = append(*out, change{Path: p, Got: compact(gv)})
			case !inG:
				*out = append(*out, change{Path: p, Want: compact(wv)})
			default:
				diffJSON(p, wv, gv, out)
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		for i := range max(len(w), len(g)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(w):
				*out = append(*out, change{Path: p, Got: compact(g[i])})
			case i >= len(g):
				*out = append(*out, change{Path: p, Want: compact(w[i])})
			default:
				diffJSON(p, w[i], g[i], out)
			}
		}
		return
	}
	if compact(want) != compact(got) {
		*out = append(*out, change{Path: cmpOr(path, "result"), Want: compact(want), Got: compact(got)})
	}
}

// table is a query result: rows of values under named columns, compared
// row by row so that a change names its row and column.
type table struct {
	columns   []string
	want, got []any
	restW     map[string]any
	restG     map[string]any
}

// asTable recognises {"columns": [...], "rows": [[...]]} on both sides.
func asTable(w, g map[string]any) (*table, bool) {
	cw, ok1 := w["columns"].([]any)
	cg, ok2 := g["columns"].([]any)
	rw, ok3 := w["rows"].([]any)
	rg, ok4 := g["rows"].([]any)
	if !ok1 || !ok2 || !ok3 || !ok4 || compact(cw) != compact(cg) {
		return nil, false
	}
	t := &table{want: rw, got: rg, restW: map[string]any{}, restG: map[string]any{}}
	for _, c := range cw {
		t.columns = append(t.columns, fmt.Sprint(c))
	}
	for k, v := range w {
		if k != "columns" && k != "rows" {
			t.restW[k] = v
		}
	}
	for k, v := range g {
		if k != "columns" && k != "rows" {
			t.restG[k] = v
		}
	}
	return t, true
}

func diffTable(path string, t *table, out *[]change) {
	for i := range max(len(t.want), len(t.got)) {
		p := fmt.Sprintf("%s[%d]", joinPath(path, "rows"), i)
		switch {
		case i >= len(t.want):
			*out = append(*out, change{Path: p, Got: compact(t.got[i])})
		case i >= len(t.got):
			*out = append(*out, change{Path: p, Want: compact(t.want[i])})
		default:
			wr, ok1 := t.want[i].([]any)
			gr, ok2 := t.got[i].([]any)
			if !ok1 || !ok2 || len(wr) != len(gr) {
				diffJSON(p, t.want[i], t.got[i], out)
				continue
			}
			for j := range wr {
				name := strconv.Itoa(j)
				if j < len(t.columns) {
					name = t.columns[j]
				}
				diffJSON(joinPath(p, name), wr[j], gr[j], out)
			}
		}
	}
	diffJSON(path, t.restW, t.restG, out)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return shorten(string(b), 200)
}

// diffLines lists the lines that differ between two texts, by line number,
// after their common head and tail: unchanged lines are never listed.
func diffLines(want, got string) []change {
	if want == got {
		return nil
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	start := 0
	for start < len(wl) && start < len(gl) && wl[start] == gl[start] {
		start++
	}
	ew, eg := len(wl), len(gl)
	for ew > start && eg > start && wl[ew-1] == gl[eg-1] {
		ew--
		eg--
	}
	var out []change
	for i := start; i < max(ew, eg) && len(out) <= maxChanges; i++ {
		c := change{Path: fmt.Sprintf("line %d", i+1)}
		if i < ew {
			c.Want = strconv.Quote(shorten(wl[i], 160))
		}
		if i < eg {
			c.Got = strconv.Quote(shorten(gl[i], 160))
		}
		if c.Want != c.Got {
			out = append(out, c)
		}
	}
	return out
}
