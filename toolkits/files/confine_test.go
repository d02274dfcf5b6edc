package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

const secret = "SECRET-OUTSIDE-CONTENT"

// attackTree builds /base/allowed (the root), /base/allowed_evil and
// /base/outside, both full of secrets, and symlinks inside the root that try
// to reach them. It returns the base and the root.
func attackTree(t *testing.T) (string, string) {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rootDir := filepath.Join(base, "allowed")
	writeTree(t, base, map[string]string{
		"allowed/sub/inner.txt":     "inner content\n",
		"allowed/~/note.txt":        "a folder really named tilde\n",
		"allowed/readme.md":         "hello\n",
		"allowed_evil/secret.txt":   secret + "\n",
		"outside/secret.txt":        secret + "\n",
		"outside/deeper/secret.txt": secret + "\n",
	})
	symlink(t, "../outside/secret.txt", filepath.Join(rootDir, "link_file"))
	symlink(t, filepath.Join(base, "outside", "secret.txt"), filepath.Join(rootDir, "link_abs"))
	symlink(t, "../outside", filepath.Join(rootDir, "link_dir"))
	symlink(t, filepath.Join(base, "outside"), filepath.Join(rootDir, "link_dir_abs"))
	symlink(t, "loop2", filepath.Join(rootDir, "loop1"))
	symlink(t, "loop1", filepath.Join(rootDir, "loop2"))
	symlink(t, "sub/inner.txt", filepath.Join(rootDir, "good_link"))
	symlink(t, filepath.Join(rootDir, "sub", "inner.txt"), filepath.Join(rootDir, "good_abs_link"))
	symlink(t, "sub", filepath.Join(rootDir, "good_dir_link"))
	return base, rootDir
}

func TestToolkit_ConfinementAttacks(t *testing.T) {
	base, rootDir := attackTree(t)
	kit := newKit(t, rootDir)
	paths := []struct {
		name string
		path string
	}{
		{"sibling sharing the root's name prefix, absolute", filepath.Join(base, "allowed_evil", "secret.txt")},
		{"sibling sharing the root's name prefix, relative", "../allowed_evil/secret.txt"},
		{"dot-dot", "../outside/secret.txt"},
		{"dot-dot after a folder", "sub/../../outside/secret.txt"},
		{"many dot-dots", "../../../../../../../../" + strings.TrimPrefix(filepath.Join(base, "outside", "secret.txt"), "/")},
		{"absolute outside", filepath.Join(base, "outside", "secret.txt")},
		{"absolute prefix trick", rootDir + "_evil/secret.txt"},
		{"symlinked file pointing outside", "link_file"},
		{"absolute symlink pointing outside", "link_abs"},
		{"file under a symlinked dir pointing outside", "link_dir/secret.txt"},
		{"deeper file under a symlinked dir", "link_dir/deeper/secret.txt"},
		{"file under an absolute dir symlink", "link_dir_abs/secret.txt"},
		{"symlink loop", "loop1"},
		{"NUL byte", "readme.md\x00../../outside/secret.txt"},
		{"tilde is not expanded", "~/secret.txt"},
		{"etc passwd", "/etc/passwd"},
	}
	for _, tc := range paths {
		t.Run(tc.name, func(t *testing.T) {
			for _, tool := range []string{"read_file", "list_directory"} {
				res, text := call(t, kit, tool, map[string]any{"path": tc.path})
				if !res.IsError {
					t.Errorf("%s(%q) succeeded: %s", tool, tc.path, text)
				}
				if strings.Contains(text, secret) || strings.Contains(text, "root:") {
					t.Errorf("%s(%q) leaked outside content: %s", tool, tc.path, text)
				}
			}
			for _, tool := range []string{"find_files", "search_content"} {
				args := map[string]any{"path": tc.path, "pattern": "*", "query": "SECRET"}
				res, text := call(t, kit, tool, args)
				if strings.Contains(text, secret) || (!res.IsError && strings.Contains(text, "secret.txt")) {
					t.Errorf("%s under %q reached outside: %s", tool, tc.path, text)
				}
			}
		})
	}
}

func TestToolkit_SearchAndFindStayInside(t *testing.T) {
	_, rootDir := attackTree(t)
	kit := newKit(t, rootDir)
	for _, hidden := range []bool{false, true} {
		res, text := call(t, kit, "search_content", map[string]any{"query": "SECRET", "include_hidden": hidden, "respect_gitignore": false})
		var sr SearchResult
		structured(t, res, &sr)
		if len(sr.Matches) != 0 || strings.Contains(text, secret) {
			t.Errorf("search followed a symlink out of the root: %s", text)
		}
		res, text = call(t, kit, "find_files", map[string]any{"pattern": "**/secret*", "include_hidden": hidden})
		var fr FindResult
		structured(t, res, &fr)
		if len(fr.Files) != 0 {
			t.Errorf("find followed a symlinked directory out of the root: %s", text)
		}
	}
	// Symlinks that stay inside the root work, relative and absolute.
	for _, p := range []string{"good_link", "good_abs_link", "good_dir_link/inner.txt", filepath.Join(rootDir, "sub", "inner.txt"), "~/note.txt"} {
		res, text := call(t, kit, "read_file", map[string]any{"path": p})
		if res.IsError {
			t.Errorf("read_file(%q) inside the root failed: %s", p, text)
		}
	}
	res, _ := call(t, kit, "search_content", map[string]any{"query": "inner content"})
	var sr SearchResult
	structured(t, res, &sr)
	var paths []string
	for _, m := range sr.Matches {
		paths = append(paths, m.Path)
	}
	if got := strings.Join(paths, ","); got != "good_abs_link,good_link,sub/inner.txt" {
		t.Errorf("search through inside symlinks found %q, want good_abs_link,good_link,sub/inner.txt", got)
	}
}

func TestToolkit_UnreadableFileDoesNotAbortSearch(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "needle one\n", "c.txt": "needle two\n", "locked.txt": "needle locked\n"})
	if err := os.Chmod(filepath.Join(dir, "locked.txt"), 0); err != nil {
		t.Fatal(err)
	}
	symlink(t, "missing-target", filepath.Join(dir, "b_dangling.txt"))
	if err := syscall.Mkfifo(filepath.Join(dir, "b_fifo.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	kit := newKit(t, dir)
	res, text := call(t, kit, "search_content", map[string]any{"query": "needle"})
	var sr SearchResult
	structured(t, res, &sr)
	found := map[string]bool{}
	for _, m := range sr.Matches {
		found[m.Path] = true
	}
	if !found["a.txt"] || !found["c.txt"] {
		t.Fatalf("search stopped at an unreadable entry: %s", text)
	}
	if sr.FilesSkipped < 1 {
		t.Errorf("the dangling symlink and the FIFO should count as skipped: %s", text)
	}
}

func FuzzToolkit_Resolve(f *testing.F) {
	for _, s := range []string{"", ".", "..", "../x", "a/../../b", "/", "/etc/passwd", "sub/./inner.txt", "a\x00b", "~", "link_dir/secret.txt", "//x", "sub/../sub/../.."} {
		f.Add(s)
	}
	base, err := os.MkdirTemp("", "fuzz-resolve")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(base) })
	rootDir := filepath.Join(base, "allowed")
	for _, d := range []string{rootDir, filepath.Join(base, "outside")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "outside", "secret.txt"), []byte(secret), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.Symlink("../outside", filepath.Join(rootDir, "link_dir")); err != nil {
		f.Fatal(err)
	}
	kit, err := New(Config{Roots: []string{rootDir}})
	if err != nil {
		f.Fatal(err)
	}
	v, _ := kit.view(context.Background())
	f.Fuzz(func(t *testing.T, p string) {
		loc, err := v.resolve(p)
		if err == nil && (loc.rel == ".." || strings.HasPrefix(loc.rel, "../") || strings.HasPrefix(loc.rel, "/")) {
			t.Fatalf("resolve(%q) = %q escapes", p, loc.rel)
		}
		if data, res := v.load(context.Background(), p); res == nil && strings.Contains(string(data), secret) {
			t.Fatalf("load(%q) read outside content", p)
		}
	})
}

func TestToolkit_ClientRootsOnlyNarrow(t *testing.T) {
	base, rootDir := attackTree(t)
	kit := newKit(t, rootDir)
	narrowed := toolkits.WithClientRoots(context.Background(), []string{filepath.Join(rootDir, "sub"), filepath.Join(base, "outside")})
	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		wantErr bool
		want    string
	}{
		{"inside the client root", "read_file", map[string]any{"path": "inner.txt"}, false, "inner content"},
		{"configured root outside the client root", "read_file", map[string]any{"path": filepath.Join(rootDir, "readme.md")}, true, "outside the allowed roots"},
		{"a client root outside the configured roots widens nothing", "read_file", map[string]any{"path": filepath.Join(base, "outside", "secret.txt")}, true, "outside the allowed roots"},
		{"dot-dot out of the narrowed root", "read_file", map[string]any{"path": "../readme.md"}, true, "outside"},
		{"search sees only the narrowed root", "search_content", map[string]any{"query": "content"}, false, "inner.txt\n1:inner content\n1 match in 1 file (1 searched)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := callCtx(narrowed, kit, tc.tool, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			text := resultString(res)
			if res.IsError != tc.wantErr || !strings.Contains(text, tc.want) || strings.Contains(text, secret) {
				t.Errorf("isError=%v %s; want isError=%v containing %q", res.IsError, text, tc.wantErr, tc.want)
			}
		})
	}
	disjoint := toolkits.WithClientRoots(context.Background(), []string{filepath.Join(base, "outside")})
	res, _ := callCtx(disjoint, kit, "find_files", map[string]any{"pattern": "*"})
	if !res.IsError || !strings.Contains(resultString(res), "do not overlap") {
		t.Errorf("disjoint client roots should refuse every call, got %s", resultString(res))
	}
}

func TestToolkit_FIFOsDoNotHang(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "needle\n"})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, "pipe", filepath.Join(dir, "link_to_pipe"))
	if err := syscall.Mkfifo(filepath.Join(dir, ".gitignore"), 0o644); err != nil {
		t.Fatal(err)
	}
	kit := newKit(t, dir)
	for _, p := range []string{"pipe", "link_to_pipe"} {
		if res, text := call(t, kit, "read_file", map[string]any{"path": p}); !res.IsError || !strings.Contains(text, "not a regular file") {
			t.Errorf("read_file(%s) = %s", p, text)
		}
	}
	res, _ := call(t, kit, "search_content", map[string]any{"query": "needle"})
	var sr SearchResult
	structured(t, res, &sr)
	if sr.Count != 1 {
		t.Errorf("search past FIFOs found %d matches, want 1", sr.Count)
	}
}

func TestToolkit_WalkFromAbsoluteSymlink(t *testing.T) {
	_, rootDir := attackTree(t)
	symlink(t, filepath.Join(rootDir, "sub"), filepath.Join(rootDir, "abs_sub"))
	kit := newKit(t, rootDir)
	res, text := call(t, kit, "find_files", map[string]any{"pattern": "*.txt", "path": "abs_sub"})
	var fr FindResult
	structured(t, res, &fr)
	if len(fr.Files) != 1 || fr.Files[0] != "sub/inner.txt" {
		t.Errorf("find under an absolute symlink inside the root = %s", text)
	}
}

func TestToolkit_ConcurrentSearchesShareTheHandleBudget(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 60 {
		files[fmt.Sprintf("d%02d/f.txt", i)] = "needle\n"
	}
	writeTree(t, dir, files)
	kit := newKit(t, dir)
	kit.handles = newBudget(5) // far fewer handles than directories
	var wg sync.WaitGroup
	counts := make([]int, 6)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _ := callCtx(context.Background(), kit, "search_content", map[string]any{"query": "needle"})
			var sr SearchResult
			structured(t, res, &sr)
			counts[i] = sr.Count
		}()
	}
	wg.Wait()
	for i, c := range counts {
		if c != 60 {
			t.Errorf("search %d found %d of 60", i, c)
		}
	}
	if n := kit.handles.n.Load(); n != 0 {
		t.Errorf("%d handles still counted as kept after the searches", n)
	}
}
