package httpfetch

import (
	"strings"
	"testing"
	"time"
)

func TestPageOf(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		start     int
		max       int
		want      string
		truncated bool
		next      int
		total     int
		wantErr   string
	}{
		{"ascii whole", "hello", 0, 10, "hello", false, 0, 5, ""},
		{"ascii first page", "hello world", 0, 5, "hello", true, 5, 11, ""},
		{"ascii last page", "hello world", 5, 100, " world", false, 0, 11, ""},
		{"exact fit", "abc", 0, 3, "abc", false, 0, 3, ""},
		{"multibyte not split", "日本語テキスト", 2, 3, "語テキ", true, 5, 7, ""},
		{"emoji", "a🎉b🎉c", 1, 2, "🎉b", true, 3, 5, ""},
		{"combining marks count as characters", "e\u0301e\u0301", 0, 1, "e", true, 1, 4, ""},
		{"empty content", "", 0, 10, "", false, 0, 0, ""},
		{"start at end", "abc", 3, 1, "", false, 0, 3, "past the end"},
		{"start past end", "abc", 9, 1, "", false, 0, 3, "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := pageOf(&document{Content: tt.content}, tt.start, tt.max)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Content != tt.want || res.Truncated != tt.truncated || res.NextStartIndex != tt.next || res.TotalLength != tt.total {
				t.Fatalf("got %q truncated=%v next=%d total=%d", res.Content, res.Truncated, res.NextStartIndex, res.TotalLength)
			}
			if tt.truncated != (res.Note != "") {
				t.Fatalf("note %q with truncated=%v", res.Note, tt.truncated)
			}
		})
	}
}

func TestPageCache_Get(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newPageCache(time.Minute, 2, 10)
	c.now = func() time.Time { return now }
	c.put("a", &document{Content: "aaa"})
	if _, ok := c.get("a"); !ok {
		t.Fatal("a missing right after put")
	}
	now = now.Add(time.Minute)
	if _, ok := c.get("a"); ok {
		t.Fatal("a still there after the TTL")
	}
	if c.bytes != 0 || len(c.entries) != 0 {
		t.Fatalf("bytes %d entries %d after expiry", c.bytes, len(c.entries))
	}
}

func TestPageCache_Put(t *testing.T) {
	tests := []struct {
		name    string
		puts    []string // key=content
		present []string
		absent  []string
	}{
		{"entry bound evicts oldest", []string{"a=1", "b=2", "c=3"}, []string{"b", "c"}, []string{"a"}},
		{"byte bound evicts oldest", []string{"a=12345", "b=123456"}, []string{"b"}, []string{"a"}},
		{"too large is not kept", []string{"a=1", "b=12345678901"}, []string{"a"}, []string{"b"}},
		{"replace keeps count", []string{"a=1", "a=22", "b=3"}, []string{"a", "b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newPageCache(time.Minute, 2, 10)
			for _, kv := range tt.puts {
				k, v, _ := strings.Cut(kv, "=")
				c.put(k, &document{Content: v})
			}
			for _, k := range tt.present {
				if _, ok := c.get(k); !ok {
					t.Errorf("%s missing", k)
				}
			}
			for _, k := range tt.absent {
				if _, ok := c.get(k); ok {
					t.Errorf("%s present", k)
				}
			}
			total := 0
			for _, e := range c.entries {
				total += len(e.doc.Content)
			}
			if total != c.bytes || c.bytes > 10 || len(c.entries) > 2 {
				t.Errorf("bytes %d (counted %d), entries %d", c.bytes, total, len(c.entries))
			}
		})
	}
}
