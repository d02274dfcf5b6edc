package sqlite

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name     string
		spec     string
		wantName string
		wantPath string
		wantErr  string
	}{
		{name: "bare path", spec: "data/sales.db", wantName: "sales", wantPath: "data/sales.db"},
		{name: "named", spec: "shop=/var/db/shop.sqlite3", wantName: "shop", wantPath: "/var/db/shop.sqlite3"},
		{name: "equals inside a path", spec: "/data/a=b.db", wantName: "a_b", wantPath: "/data/a=b.db"},
		{name: "no extension", spec: "/tmp/chinook", wantName: "chinook", wantPath: "/tmp/chinook"},
		{name: "spaces become underscores", spec: "my data.sqlite", wantName: "my_data", wantPath: "my data.sqlite"},
		{name: "hidden file", spec: "./.cache.db", wantName: "cache", wantPath: "./.cache.db"},
		{name: "double extension keeps the first", spec: "x.tar.db", wantName: "x.tar", wantPath: "x.tar.db"},
		{name: "empty", spec: "", wantErr: "needs a path"},
		{name: "empty path after name", spec: "shop=", wantErr: "path after"},
		{name: "dot file", spec: "/tmp/.db", wantName: "db", wantPath: "/tmp/.db"},
		{name: "no usable name", spec: "/tmp/...", wantErr: "cannot derive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseSpec(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSpec(%q) error = %v, want one containing %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSpec(%q): %v", tt.spec, err)
			}
			if d.Name != tt.wantName || d.Path != tt.wantPath {
				t.Errorf("ParseSpec(%q) = %+v, want name %q path %q", tt.spec, d, tt.wantName, tt.wantPath)
			}
		})
	}
}

func TestParseSpecs(t *testing.T) {
	got, err := ParseSpecs([]string{"a.db", "b=x/a.db"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Errorf("ParseSpecs = %+v", got)
	}
	_, err = ParseSpecs([]string{"one/sales.db", "two/sales.db"})
	if err == nil || !strings.Contains(err.Error(), `"sales" is used twice`) {
		t.Errorf("duplicate names: error = %v", err)
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"a.db", "x=y", "=", "/a=b/c.db", "..", "é.db", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		d, err := ParseSpec(spec)
		if err != nil {
			return
		}
		if verr := validateName(d.Name); verr != nil {
			t.Errorf("ParseSpec(%q) returned invalid name %q: %v", spec, d.Name, verr)
		}
		if strings.TrimSpace(d.Path) == "" {
			t.Errorf("ParseSpec(%q) returned an empty path", spec)
		}
	})
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	good := createDB(t, dir, "good.db", "CREATE TABLE t(a)")
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.db")
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "no databases", cfg: Config{}, wantErr: "no databases configured"},
		{name: "missing file", cfg: Config{Databases: []Database{{Name: "m", Path: missing}}}, wantErr: missing + " does not exist"},
		{name: "missing file with write", cfg: Config{Write: true, Databases: []Database{{Name: "m", Path: missing}}}, wantErr: "does not exist"},
		{name: "directory", cfg: Config{Databases: []Database{{Name: "d", Path: dir}}}, wantErr: "not a regular file"},
		{name: "not sqlite", cfg: Config{Databases: []Database{{Name: "n", Path: notDB}}}, wantErr: "file is not a database"},
		{name: "duplicate name", cfg: Config{Databases: []Database{{Name: "x", Path: good}, {Name: "x", Path: good}}}, wantErr: "used twice"},
		{name: "invalid name", cfg: Config{Databases: []Database{{Name: "a b", Path: good}}}, wantErr: "may contain only"},
		{name: "empty path", cfg: Config{Databases: []Database{{Name: "e", Path: " "}}}, wantErr: "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := New(t.Context(), tt.cfg)
			if err == nil {
				_ = tk.Close()
				t.Fatalf("New succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("New created the missing database file: %v", err)
	}
}

func TestNew_Defaults(t *testing.T) {
	path := createDB(t, t.TempDir(), "d.db", "CREATE TABLE t(a)")
	t.Chdir(filepath.Dir(path))
	tk := newTestToolkit(t, Config{Databases: []Database{{Name: "d", Path: "d.db"}}, BusyTimeout: time.Hour})
	if got := tk.Databases()[0].Path; got != path {
		t.Errorf("relative path resolved to %q, want %q", got, path)
	}
	if tk.cfg.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", tk.cfg.Timeout, DefaultTimeout)
	}
	if tk.cfg.BusyTimeout != DefaultTimeout {
		t.Errorf("BusyTimeout = %v, want it capped at the timeout %v", tk.cfg.BusyTimeout, DefaultTimeout)
	}
}

func TestToolkit_Tools(t *testing.T) {
	path := createDB(t, t.TempDir(), "d.db", "CREATE TABLE t(a)")
	tests := []struct {
		name  string
		write bool
		want  []string
	}{
		{name: "read-only", want: []string{"sqlite_schema", "sqlite_query"}},
		{name: "with --sqlite-write", write: true, want: []string{"sqlite_schema", "sqlite_query", "sqlite_execute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := newTestToolkit(t, Config{Write: tt.write, Databases: []Database{{Name: "d", Path: path}}})
			if tk.Name() != "sqlite" {
				t.Errorf("Name() = %q", tk.Name())
			}
			var names []string
			for _, tool := range tk.Tools() {
				names = append(names, tool.Def.Name)
				checkToolDef(t, tool)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("tools = %v, want %v", names, tt.want)
			}
		})
	}
}

// checkToolDef asserts what every glm-mcp tool must carry.
func checkToolDef(t *testing.T, tool toolkits.Tool) {
	t.Helper()
	d := tool.Def
	a := d.Annotations
	if d.Title == "" || a.Title == "" || len(d.Description) < 100 {
		t.Errorf("%s: missing title or a real description", d.Name)
	}
	if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
		t.Fatalf("%s: annotations not all explicit: %+v", d.Name, a)
	}
	write := d.Name == "sqlite_execute"
	if *a.ReadOnlyHint == write || *a.DestructiveHint != write || *a.IdempotentHint == write || *a.OpenWorldHint {
		t.Errorf("%s: wrong hints readOnly=%v destructive=%v idempotent=%v openWorld=%v",
			d.Name, *a.ReadOnlyHint, *a.DestructiveHint, *a.IdempotentHint, *a.OpenWorldHint)
	}
	if d.OutputSchema.Type != "object" || len(d.OutputSchema.Properties) == 0 {
		t.Errorf("%s: no output schema", d.Name)
	}
	if _, ok := d.InputSchema.Properties["database"]; !ok {
		t.Errorf("%s: no database argument", d.Name)
	}
	if _, err := json.Marshal(d); err != nil {
		t.Errorf("%s: definition does not encode: %v", d.Name, err)
	}
}

func TestToolkit_Databases(t *testing.T) {
	dir := t.TempDir()
	a := createDB(t, dir, "a.db")
	b := createDB(t, dir, "b.db")
	tk := newTestToolkit(t, Config{Databases: []Database{{Name: "zeta", Path: a}, {Name: "alpha", Path: b}}})
	got := tk.Databases()
	if len(got) != 2 || got[0].Name != "alpha" || got[0].Path != b || got[1].Name != "zeta" {
		t.Errorf("Databases() = %+v", got)
	}
}

// Paths are passed to SQLite as file: URIs; characters that mean something in
// a URI must not change which file is opened.
func TestNew_PathNeedsEscaping(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "we?ird #dir%20&mode=rwc")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := createDB(t, dir, "da ta.db", "CREATE TABLE t(a)")
	tk := newTestToolkit(t, Config{Write: true, Databases: []Database{{Name: "w", Path: path}}})
	execResult(t, tk, "INSERT INTO t VALUES ('ok')")
	if got := rowsJSON(t, mustOK(t, tk, "sqlite_query", map[string]any{"sql": "SELECT a FROM t"})); got != `[["ok"]]` {
		t.Errorf("rows = %s", got)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil || len(entries) != 1 {
		t.Errorf("files next to the folder: %v %v", entries, err)
	}
}
