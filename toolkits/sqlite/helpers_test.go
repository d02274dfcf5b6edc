package sqlite

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" for fixtures
)

// createDB writes a SQLite file at dir/name with the given statements, using
// a plain read-write connection (not the toolkit), and returns its path.
func createDB(t testing.TB, dir, name string, stmts ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	db, err := sql.Open("sqlite3", fileURI(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("fixture %q: %v", s, err)
		}
	}
	// An empty database is still written to disk.
	if _, err := db.Exec("PRAGMA user_version"); err != nil {
		t.Fatal(err)
	}
	return path
}

// newTestToolkit opens a toolkit and closes it when the test ends.
func newTestToolkit(t testing.TB, cfg Config) *Toolkit {
	t.Helper()
	tk, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := tk.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tk
}

// oneDB is a toolkit serving a single database named "main".
func oneDB(t testing.TB, path string) *Toolkit {
	return newTestToolkit(t, Config{Databases: []Database{{Name: "main", Path: path}}})
}

// invokeRaw calls a tool's handler directly, as the server would.
func invokeRaw(t testing.TB, tk *Toolkit, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	t.Helper()
	for _, tl := range tk.Tools() {
		if tl.Def.Name == tool {
			return tl.Handler(t.Context(), requestFor(tool, args))
		}
	}
	t.Fatalf("tool %s is not listed", tool)
	return nil, nil
}

// requestFor builds the request a client would send.
func requestFor(tool string, args map[string]any) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	return req
}

// invoke calls a tool and fails the test on a Go error.
func invoke(t testing.TB, tk *Toolkit, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := invokeRaw(t, tk, tool, args)
	if err != nil {
		t.Fatalf("%s(%v): Go error: %v", tool, args, err)
	}
	if res == nil {
		t.Fatalf("%s(%v): nil result", tool, args)
	}
	return res
}

// mustOK calls a tool and fails the test on an isError result.
func mustOK(t testing.TB, tk *Toolkit, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res := invoke(t, tk, tool, args)
	if res.IsError {
		t.Fatalf("%s(%v): isError: %s", tool, args, resultText(res))
	}
	return res
}

// mustFail calls a tool, expects an isError result and returns its text.
func mustFail(t testing.TB, tk *Toolkit, tool string, args map[string]any) string {
	t.Helper()
	res := invoke(t, tk, tool, args)
	if !res.IsError {
		t.Fatalf("%s(%v): expected isError, got: %s", tool, args, resultText(res))
	}
	return resultText(res)
}

// structuredJSON returns the structured content as it goes on the wire.
func structuredJSON(t testing.TB, res *mcp.CallToolResult) string {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeStructured decodes the wire form of the structured content into v,
// keeping numbers as json.Number when v holds interfaces.
func decodeStructured(t testing.TB, res *mcp.CallToolResult, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(structuredJSON(t, res)))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode structured content: %v", err)
	}
}

// queryRows runs sqlite_query and returns its decoded result.
func queryRows(t testing.TB, tk *Toolkit, args map[string]any) QueryResult {
	t.Helper()
	var qr QueryResult
	decodeStructured(t, mustOK(t, tk, "sqlite_query", args), &qr)
	return qr
}

// dirState is a fingerprint of a folder: every entry's name, size and
// modification time, and the SHA-256 of every regular file.
func dirState(t testing.TB, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s %d %s", e.Name(), fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			line += " " + hex.EncodeToString(sum[:])
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// countRows counts a table's rows through a separate plain connection.
func countRows(t testing.TB, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", fileURI(path, "mode=ro"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	// Fixture table names are constants of the tests.
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fileURI makes a go-sqlite3 DSN that opens exactly path, whatever characters
// it holds.
func fileURI(path, query string) string {
	return (&url.URL{Scheme: "file", Path: path, RawQuery: query}).String()
}
