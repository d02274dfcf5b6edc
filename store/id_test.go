package store

import (
	"regexp"
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	format := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`)
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	var ids idGen // its own generator: the times here would move the process's one to 2030
	prev := ""
	seen := map[string]bool{}
	for i := range 5000 {
		// Many ids in one millisecond, then the clock steps back: still increasing.
		now := at.Add(time.Duration(i/1000) * time.Millisecond)
		if i == 4000 {
			now = at
		}
		id := ids.next(now)
		if !format.MatchString(id) {
			t.Fatalf("id %q is not 26 lower-case Crockford characters", id)
		}
		if id <= prev || seen[id] {
			t.Fatalf("id %d %q does not sort after %q", i, id, prev)
		}
		prev, seen[id] = id, true
	}
	// The first 10 characters are the time: ids of different moments
	// sort by time whatever their random part.
	early, late := ids.next(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)), ids.next(time.Date(2030, 1, 1, 0, 0, 1, 0, time.UTC))
	if early[:10] >= late[:10] {
		t.Errorf("%s does not sort before %s", early, late)
	}
}

func TestNormalizeRef(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"lower", "01jab", "01jab", true},
		{"upper and space", " 01JAB ", "01jab", true},
		{"look-alikes", "OIL", "011", true},
		{"u is not in the alphabet", "01u", "01u", false},
		{"punctuation", "01-a", "01-a", false},
		{"empty", "", "", false},
		{"too long", "0123456789abcdefghjkmnpqrst", "0123456789abcdefghjkmnpqrst", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := normalizeRef(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("normalizeRef(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
