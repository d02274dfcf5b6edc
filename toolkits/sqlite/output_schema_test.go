package sqlite

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// TestToolkit_OutputSchemas checks real results of every tool against the
// output schema the tool declares, as a client validating structuredContent
// would: required members present, no undeclared members, types matching.
func TestToolkit_OutputSchemas(t *testing.T) {
	tk := newTestToolkit(t, Config{Write: true, Databases: []Database{{Name: "main", Path: shopDB(t, true)}}})
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"sqlite_schema", map[string]any{}},
		{"sqlite_schema", map[string]any{"table": "order_lines"}},
		{"sqlite_query", map[string]any{"sql": "SELECT 1, 1.5, 'x', X'01', NULL, created FROM customers"}},
		{"sqlite_query", map[string]any{"sql": "SELECT * FROM customers WHERE 0"}},
		{"sqlite_execute", map[string]any{"sql": "INSERT INTO orders(total) VALUES (?)", "params": []any{1.5}}},
	}
	defs := map[string]json.RawMessage{}
	for _, tool := range tk.Tools() {
		b, err := json.Marshal(tool.Def.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		defs[tool.Def.Name] = b
	}
	// The check itself catches what it should.
	var execSchema any
	if err := json.Unmarshal(defs["sqlite_execute"], &execSchema); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"database":"main","rows_affected":1,"last_insert_id":0}`,
		`{"database":"main","rows_affected":1,"last_insert_id":0,"elapsed_ms":1,"extra":1}`,
		`{"database":"main","rows_affected":1.5,"last_insert_id":0,"elapsed_ms":1}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(bad), &v); err != nil {
			t.Fatal(err)
		}
		if conforms(execSchema, v, "$") == nil {
			t.Errorf("%s passes the check", bad)
		}
	}
	for _, c := range calls {
		t.Run(c.tool, func(t *testing.T) {
			res := mustOK(t, tk, c.tool, c.args)
			var schema, value any
			if err := json.Unmarshal(defs[c.tool], &schema); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(structuredJSON(t, res)), &value); err != nil {
				t.Fatal(err)
			}
			if err := conforms(schema, value, "$"); err != nil {
				t.Error(err)
			}
		})
	}
}

// conforms is a small JSON Schema check covering what jsonschema-go emits for
// our result types: type (or a list of types), properties, required,
// additionalProperties: false, and items.
func conforms(schema, value any, path string) error {
	s, ok := schema.(map[string]any)
	if !ok {
		return nil // true: anything goes
	}
	if err := checkType(s["type"], value, path); err != nil {
		return err
	}
	switch v := value.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				return fmt.Errorf("%s: required member %q missing", path, r)
			}
		}
		for k, member := range v {
			ps, declared := props[k]
			if !declared {
				if s["additionalProperties"] == false {
					return fmt.Errorf("%s: member %q not in the schema", path, k)
				}
				continue
			}
			if err := conforms(ps, member, path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		for i, item := range v {
			if err := conforms(s["items"], item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkType(want, value any, path string) error {
	if want == nil {
		return nil
	}
	types := asStrings(want)
	if s, ok := want.(string); ok {
		types = []string{s}
	}
	got := "null"
	switch v := value.(type) {
	case map[string]any:
		got = "object"
	case []any:
		got = "array"
	case string:
		got = "string"
	case bool:
		got = "boolean"
	case float64:
		got = "number"
		if v == float64(int64(v)) && slices.Contains(types, "integer") {
			got = "integer"
		}
	}
	if !slices.Contains(types, got) {
		return fmt.Errorf("%s: %s where the schema says %v", path, got, types)
	}
	return nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
