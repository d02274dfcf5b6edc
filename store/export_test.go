package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTranscript_JSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := openTest(t)
	id := richTranscript(t, src)
	orig, err := src.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.MarshalIndent(orig, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("{\n  \"format\": \""+ExportFormat+"\",\n  \"id\": ")) {
		t.Errorf("document does not start with its format and id:\n%.200s", doc)
	}
	var back Transcript
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	dst := openTest(t)
	if err := dst.Import(ctx, &back); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, orig) {
		t.Errorf("imported transcript differs:\n got %+v\nwant %+v", got, orig)
	}
	again, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, doc) {
		t.Errorf("second export differs from the first")
	}
	if err := dst.Import(ctx, &back); !errors.Is(err, errExists) {
		t.Errorf("importing twice: %v, want errExists", err)
	}
}

func TestTranscript_UnmarshalJSON_otherFormat(t *testing.T) {
	var tr Transcript
	err := json.Unmarshal([]byte(`{"format":"glm-mcp-transcript/9","id":"x"}`), &tr)
	if err == nil || !strings.Contains(err.Error(), "glm-mcp-transcript/9") {
		t.Errorf("error %v, want the unknown format named", err)
	}
}

func TestCompletion_bodies(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantJSON string // how the body appears in the document
	}{
		{"compact object is embedded", `{"a":[1,2]}`, `{"a":[1,2]}`},
		{"compact array is embedded", `[1]`, `[1]`},
		{"indented object stays a string", "{\n \"a\": 1\n}", `"{\n \"a\": 1\n}"`},
		{"stream text is a string", "data: {\"x\":1}\n\ndata: [DONE]\n\n", `"data: {\"x\":1}\n\ndata: [DONE]\n\n"`},
		{"JSON string literal stays a string", `"hi"`, `"\"hi\""`},
		{"number stays a string", `42`, `"42"`},
		{"broken JSON is a string", `{"a":`, `"{\"a\":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(Completion{ResponseBody: []byte(tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(`"response":`+tt.wantJSON)) {
				t.Errorf("document %s does not hold %s", b, tt.wantJSON)
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, b, "", "\t"); err != nil {
				t.Fatal(err)
			}
			var back Completion
			if err := json.Unmarshal(indented.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if string(back.ResponseBody) != tt.body {
				t.Errorf("round trip %q, want %q", back.ResponseBody, tt.body)
			}
		})
	}
}
