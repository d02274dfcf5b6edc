package glm

import (
	"bytes"
	"encoding/json"
	"strings"
)

// detailsMerger assembles OpenRouter's reasoning_details deltas: pieces with the same type and
// index are one entry whose text (or summary) grows; other fields keep their first value.
type detailsMerger struct {
	items []*detailItem
	byKey map[string]*detailItem
}

type detailItem struct {
	fields map[string]json.RawMessage
	grow   map[string]*strings.Builder // "text" and "summary", appended piece by piece
}

// maxDetails bounds the entries kept, so a hostile stream cannot grow the list without end
// (the text of an entry is bounded by the stream's own size).
const maxDetails = 256

// add merges one delta's reasoning_details. A value that is not a list of objects is ignored:
// the reasoning text itself arrives in the reasoning field.
func (d *detailsMerger) add(raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return
	}
	var pieces []map[string]json.RawMessage
	if json.Unmarshal(raw, &pieces) != nil {
		return
	}
	for _, p := range pieces {
		if p == nil {
			continue
		}
		key := string(p["type"]) + "/" + string(p["index"])
		it := d.byKey[key]
		if it == nil {
			if len(d.items) >= maxDetails {
				continue
			}
			it = &detailItem{fields: map[string]json.RawMessage{}, grow: map[string]*strings.Builder{}}
			if d.byKey == nil {
				d.byKey = map[string]*detailItem{}
			}
			d.byKey[key] = it
			d.items = append(d.items, it)
		}
		it.extend(p)
	}
}

// extend appends the growing string fields of piece and fills the fields not yet known.
func (it *detailItem) extend(piece map[string]json.RawMessage) {
	for k, v := range piece {
		var s string
		if (k == "text" || k == "summary") && json.Unmarshal(v, &s) == nil {
			b := it.grow[k]
			if b == nil {
				b = &strings.Builder{}
				it.grow[k] = b
			}
			b.WriteString(s)
			continue
		}
		if old, ok := it.fields[k]; !ok || string(old) == "null" {
			it.fields[k] = v
		}
	}
}

// result returns the merged list, or nil when none came.
func (d *detailsMerger) result() json.RawMessage {
	if len(d.items) == 0 {
		return nil
	}
	out := make([]map[string]any, len(d.items))
	for i, it := range d.items {
		m := make(map[string]any, len(it.fields)+len(it.grow))
		for k, v := range it.fields {
			m[k] = v
		}
		for k, b := range it.grow {
			m[k] = b.String()
		}
		out[i] = m
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b
}
