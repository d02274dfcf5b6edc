package main

import (
	"context"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// TestReplayCall_NotRunWhatWasNotRun: a call refused or declined when it was
// recorded is not run again (whatever --yes or the rules say now), and a
// cassette call is played, not run; neither reaches the runner (nil here).
func TestReplayCall_NotRunWhatWasNotRun(t *testing.T) {
	tr := &store.Transcript{ToolExecutions: []store.ToolExecution{
		{CallID: "d", Tool: "sqlite_execute", IsError: true, Result: "not run: the user declined sqlite_execute"},
		{CallID: "e", Tool: "ext__read_file", Server: "ext", Result: "alpha"},
	}}
	recorded := map[string]string{"d": "not run: the user declined sqlite_execute", "e": "alpha"}
	a := &app{}
	for _, tc := range []struct{ id, tool, want string }{{"d", "sqlite_execute", callSkipped}, {"e", "ext__read_file", callCassette}} {
		c := a.replayCall(context.Background(), tr, nil, []string{"ext"}, glm.ToolCall{ID: tc.id, Function: glm.FunctionCall{Name: tc.tool, Arguments: "{}"}}, recorded)
		if c.Outcome != tc.want {
			t.Errorf("%s: outcome %s, want %s", tc.id, c.Outcome, tc.want)
		}
	}
}

// TestCompareResults_ListTimes: list_directory's file times are not
// compared, its names and sizes are.
func TestCompareResults_ListTimes(t *testing.T) {
	want := "a.txt 5 2024-05-06 07:08\nb/ 2024-05-06 07:08\n2 entries"
	touched := "a.txt 5 2026-12-01 05:00\nb/ 2026-12-01 05:00\n2 entries"
	grown := "a.txt 9 2026-12-01 05:00\nb/ 2026-12-01 05:00\n2 entries"
	if ch := compareResults(volatileText("list_directory", want), volatileText("list_directory", touched)); len(ch) != 0 {
		t.Errorf("a touched file is not a change: %v", ch)
	}
	if ch := compareResults(volatileText("list_directory", want), volatileText("list_directory", grown)); len(ch) != 1 {
		t.Errorf("a grown file is a change: %v", ch)
	}
	if ch := compareResults(volatileText("read_file", "at 2024-05-06 07:08"), volatileText("read_file", "at 2026-12-01 05:00")); len(ch) != 1 {
		t.Errorf("times in other tools' results are data: %v", ch)
	}
}

// TestCompareResults_JSON: a JSON result's diff names the fields that
// changed, by path, leaves out volatile ones, and names a table's cells by
// row and column.
func TestCompareResults_JSON(t *testing.T) {
	tests := []struct {
		name, want, got string
		changes         []string
	}{
		{"same but for timings", `{"n":1,"elapsed_ms":3.2}`, `{"n":1,"elapsed_ms":9.9}`, nil},
		{"a nested field", `{"a":{"b":[1,2]},"c":"x"}`, `{"a":{"b":[1,3]},"c":"x"}`, []string{"a.b[1]: 2 → 3"}},
		{"added and removed", `{"a":1}`, `{"b":2}`, []string{"a: removed (was 1)", "b: added 2"}},
		{"a table cell", `{"columns":["name","price"],"rows":[["Mouse",19.5],["Monitor",189]],"row_count":2}`,
			`{"columns":["name","price"],"rows":[["Mouse",19.5],["Monitor",199]],"row_count":2}`, []string{"rows[1].price: 189 → 199"}},
		{"a row more", `{"columns":["n"],"rows":[[1]]}`, `{"columns":["n"],"rows":[[1],[2]]}`, []string{"rows[1]: added [2]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range compareResults(tt.want, tt.got) {
				got = append(got, c.String())
			}
			if strings.Join(got, "|") != strings.Join(tt.changes, "|") {
				t.Errorf("changes %q, want %q", got, tt.changes)
			}
		})
	}
}
