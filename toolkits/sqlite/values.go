package sqlite

import (
	"bytes"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// BlobKey marks a BLOB in structured content: {"$blob_base64": "AAEC"}.
const BlobKey = "$blob_base64"

// Blob is how a BLOB value appears in sqlite_query rows.
type Blob struct {
	Base64 string `json:"$blob_base64"`
	raw    []byte // for the text table
}

// realValue renders a REAL for structured content: a json.Number spelled with
// a decimal point or an exponent (1.0, not 1), so that JSON readers keep REAL
// apart from INTEGER. The infinities, which JSON numbers cannot hold, become
// the strings "Infinity" and "-Infinity".
func realValue(f float64) any {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return formatReal(f)
	}
	return json.Number(formatReal(f))
}

// formatReal writes f like encoding/json does, plus ".0" for integral values.
func formatReal(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	var arr [40]byte
	b := strconv.AppendFloat(arr[:0], f, format, -1, 64)
	if format == 'e' {
		// Like encoding/json: 1e-07 becomes 1e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	if !bytes.ContainsAny(b, ".eE") {
		b = append(b, ".0"...)
	}
	return string(b)
}

// converted reports what go-sqlite3 did to a column's values before they
// reached us: it turns columns declared DATE, DATETIME or TIMESTAMP into
// times and BOOLEAN into booleans, keyed on the declared type alone.
const (
	convertedNone = iota
	convertedTime
	convertedBool
)

// convertValue turns a driver value into its structured-content form and an
// estimate of its size in the result.
func convertValue(v driver.Value, decl string) (out any, size, conv int) {
	// INTEGER, TEXT and NULL pass through as they are: returning v rather
	// than x keeps the driver's boxed value instead of allocating a new one.
	switch x := v.(type) {
	case nil:
		return nil, 4, convertedNone
	case int64:
		return v, 8, convertedNone
	case float64:
		return realValue(x), 8, convertedNone
	case string:
		return v, len(x) + 2, convertedNone
	case []byte:
		return Blob{Base64: base64.StdEncoding.EncodeToString(x), raw: x}, len(x)*4/3 + 20, convertedNone
	case bool:
		return x, 5, convertedBool
	case time.Time:
		return formatTime(x, decl), 24, convertedTime
	}
	s := fmt.Sprint(v)
	return s, len(s) + 2, convertedNone
}

// valueSize estimates what a driver value takes in the result, before it is
// converted: the figure convertValue returns.
func valueSize(v driver.Value) int {
	switch x := v.(type) {
	case nil:
		return 4
	case int64, float64:
		return 8
	case string:
		return len(x) + 2
	case []byte:
		return len(x)*4/3 + 20
	case bool:
		return 5
	case time.Time:
		return 24
	}
	return 32
}

// formatTime writes a time in SQLite's own text format: "YYYY-MM-DD" for a
// DATE at midnight, else "YYYY-MM-DD HH:MM:SS[.fff]" with a "+hh:mm" offset
// only when it is not UTC.
func formatTime(t time.Time, decl string) string {
	_, offset := t.Zone()
	if decl == "date" && offset == 0 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	if offset == 0 {
		return t.Format("2006-01-02 15:04:05.999999999")
	}
	return t.Format("2006-01-02 15:04:05.999999999-07:00")
}

// conversionNote tells the model how a converted column was shown and how to
// see the stored values instead.
func conversionNote(col, decl string, conv int) string {
	shown := "text 'YYYY-MM-DD HH:MM:SS' in UTC (integers were read as Unix times, text that is not a date as 0001-01-01 00:00:00)"
	if conv == convertedBool {
		shown = "true/false (any non-zero integer is true)"
	}
	return fmt.Sprintf("column %q is declared %s, so its values are shown as %s; select +%s instead to see the stored values unchanged", col, strings.ToUpper(decl), shown, col)
}

// decodeParams turns the JSON params array into bound values: integers stay
// INTEGER (int64), other numbers are REAL, booleans bind as 1 and 0.
func decodeParams(raw []json.RawMessage) ([]driver.NamedValue, error) {
	out := make([]driver.NamedValue, 0, len(raw))
	for i, r := range raw {
		v, err := decodeParam(r)
		if err != nil {
			return nil, modelErrorf("params[%d]: %v", i, err)
		}
		out = append(out, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	return out, nil
}

func decodeParam(r json.RawMessage) (driver.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s is outside SQLite's 64-bit integer range", s)
			}
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not a usable number", s)
		}
		return f, nil
	}
	return nil, fmt.Errorf("is a JSON %s; only numbers, strings, booleans and null can be bound (for a BLOB, pass hex text and write unhex(?) in the SQL)", jsonKind(v))
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}
