package sqlite

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestFormatReal(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{name: "integral", in: 1, want: "1.0"},
		{name: "negative integral", in: -42, want: "-42.0"},
		{name: "zero", in: 0, want: "0.0"},
		{name: "negative zero", in: math.Copysign(0, -1), want: "-0.0"},
		{name: "fraction", in: 0.1, want: "0.1"},
		{name: "large", in: 123456789012345680, want: "123456789012345680.0"},
		{name: "exponent", in: 1e21, want: "1e+21"},
		{name: "small exponent", in: 2.5e-7, want: "2.5e-7"},
		{name: "infinity", in: math.Inf(1), want: "Infinity"},
		{name: "negative infinity", in: math.Inf(-1), want: "-Infinity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatReal(tt.in); got != tt.want {
				t.Errorf("formatReal(%v) = %q, want %q", tt.in, got, tt.want)
			}
			// The structured form is valid JSON and decodes to the same value.
			b, err := json.Marshal(realValue(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if math.IsInf(tt.in, 0) {
				if string(b) != `"`+tt.want+`"` {
					t.Errorf("JSON %s, want the string %q", b, tt.want)
				}
				return
			}
			var back float64
			if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
				t.Errorf("JSON %s decodes to %v (%v), want %v", b, back, err, tt.in)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		decl string
		want string
	}{
		{name: "datetime", in: time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC), decl: "datetime", want: "2024-03-01 12:30:00"},
		{name: "fraction", in: time.Date(2024, 3, 1, 12, 30, 0, 250_000_000, time.UTC), decl: "timestamp", want: "2024-03-01 12:30:00.25"},
		{name: "date at midnight", in: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), decl: "date", want: "2024-03-01"},
		{name: "datetime at midnight", in: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), decl: "datetime", want: "2024-03-01 00:00:00"},
		{name: "offset kept", in: time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600)), decl: "datetime", want: "2024-03-01 12:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatTime(tt.in, tt.decl); got != tt.want {
				t.Errorf("formatTime = %q, want %q", got, tt.want)
			}
		})
	}
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
