package config

import (
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// indexLines maps every key path of a valid TOML document (parts joined by
// NUL, so quoted keys with dots stay apart) to the line of its first mention:
// the key of a key/value, or the header of a table. go-toml's decoder keeps
// no positions, so the document is walked once more with its parser.
func indexLines(data []byte) map[string]int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	lineOf := func(off uint32) int {
		return sort.Search(len(starts), func(i int) bool { return starts[i] > int(off) })
	}
	out := map[string]int{}
	record := func(path []string, line int) {
		for i := range path {
			k := strings.Join(path[:i+1], "\x00")
			if _, ok := out[k]; !ok {
				out[k] = line
			}
		}
	}
	var walkKV func(prefix []string, n *unstable.Node)
	walkKV = func(prefix []string, n *unstable.Node) {
		parts, line := keyParts(n.Key(), lineOf)
		full := append(append([]string(nil), prefix...), parts...)
		record(full, line)
		if v := n.Value(); v.Kind == unstable.InlineTable {
			it := v.Children()
			for it.Next() {
				if c := it.Node(); c.Kind == unstable.KeyValue {
					walkKV(full, c)
				}
			}
		}
	}
	var p unstable.Parser
	p.Reset(data)
	var prefix []string
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			var line int
			prefix, line = keyParts(n.Key(), lineOf)
			record(prefix, line)
		case unstable.KeyValue:
			walkKV(prefix, n)
		}
	}
	return out
}

// keyParts reads a key's parts and the line of its first part.
func keyParts(it unstable.Iterator, lineOf func(uint32) int) ([]string, int) {
	var parts []string
	line := 0
	for it.Next() {
		n := it.Node()
		if line == 0 {
			line = lineOf(n.Raw.Offset)
		}
		parts = append(parts, string(n.Data))
	}
	return parts, line
}
