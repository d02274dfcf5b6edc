package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glm-mcp/glm-mcp/internal/memprobe"
	"golang.org/x/sys/unix"
)

// The attacks of issue 10 on the files toolkit: each measures the memory the
// call takes (peak RSS above the idle process) and its time, and fails past
// 256 MB or past the call's deadline plus one second.

const memLimit = memprobe.MaxCallRise

// peakAbove runs fn and returns the peak RSS it reached above the RSS before
// it (see internal/memprobe). Under the race detector, which multiplies
// memory, the figure is logged and 0 returned.
func peakAbove(t *testing.T, fn func()) int64 {
	t.Helper()
	peak, _ := memprobe.Measure(t, fn)
	if raceEnabled {
		t.Logf("peak %d MB above idle; not held to the limit: the race detector multiplies memory", peak>>20)
		return 0
	}
	return peak
}

// timedCall runs one tool under a deadline and returns its result and time.
func timedCall(t *testing.T, kit *Toolkit, tool string, args map[string]any, deadline time.Duration) (string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	res, err := callCtx(ctx, kit, tool, args)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("%s: %v after %v", tool, err, took)
	}
	// What the server sends: the whole result as JSON.
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	return resultString(res), took
}

// deepChain makes dir/d/d/.../d, depth levels, with a file at the bottom
// (and, when comb, one at every level), through directory descriptors so no
// path grows with depth. Its cleanup flattens the chain first: os.RemoveAll
// holds a descriptor per level.
func deepChain(t *testing.T, dir string, depth int, comb bool) {
	t.Helper()
	rootFD, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flattenChain(rootFD) })
	fd, err := unix.Dup(rootFD)
	if err != nil {
		t.Fatal(err)
	}
	for i := range depth {
		if comb || i == depth-1 {
			writeAt(t, fd, "f.txt", "needle at depth "+strconv.Itoa(i)+"\n")
		}
		if err := unix.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	unix.Close(fd)
}

// fastTempDir is a temporary folder on tmpfs when there is one: a tree of
// 20,000 levels takes seconds to make on a journalled disk, milliseconds there.
func fastTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "files-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func writeAt(t *testing.T, dirFD int, name, content string) {
	t.Helper()
	fd, err := unix.Openat(dirFD, name, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(content)); err != nil {
		t.Fatal(err)
	}
}

// flattenChain removes a deep chain below rootFD one level at a time: the
// child of the top folder is moved up beside it, then the top is removed.
func flattenChain(rootFD int) {
	defer unix.Close(rootFD)
	cur := "d"
	for i := 0; ; i++ {
		fd, err := unix.Openat(rootFD, cur, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return
		}
		unix.Unlinkat(fd, "f.txt", 0)
		next := "n" + strconv.Itoa(i)
		err = unix.Renameat(fd, "d", rootFD, next)
		unix.Close(fd)
		unix.Unlinkat(rootFD, cur, unix.AT_REMOVEDIR)
		if err != nil {
			return
		}
		cur = next
	}
}

func TestToolkit_DeepTreeStaysLinear(t *testing.T) {
	const deadline = 20 * time.Second
	for _, depth := range []int{10_000, 20_000} {
		dir := fastTempDir(t)
		deepChain(t, dir, depth, false)
		kit := newKit(t, dir)
		bottom := strings.Repeat("d/", depth-1) + "f.txt"
		tests := []struct {
			name, tool string
			args       map[string]any
			want       string
		}{
			{"find_files", "find_files", map[string]any{"pattern": "f.txt"}, bottom + "\n1 file\n"},
			{"find_files with a path glob", "find_files", map[string]any{"pattern": "**/f.txt"}, bottom + "\n1 file\n"},
			{"search_content", "search_content", map[string]any{"query": "needle"}, bottom + "\n1:needle at depth " + strconv.Itoa(depth-1) + "\n1 match in 1 file (1 searched)\n"},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s at %d levels", tc.name, depth), func(t *testing.T) {
				var text string
				var took time.Duration
				peak := peakAbove(t, func() { text, took = timedCall(t, kit, tc.tool, tc.args, deadline) })
				t.Logf("%d levels: %s took %v, peak %d MB above idle", depth, tc.tool, took, peak>>20)
				if text != tc.want {
					t.Errorf("result = %.200q…, want the bottom file", text)
				}
				if peak > memLimit {
					t.Errorf("peak RSS %d MB above idle, limit %d MB", peak>>20, memLimit>>20)
				}
				if took > deadline+time.Second {
					t.Errorf("took %v, past the deadline %v + 1s", took, deadline)
				}
			})
		}
	}
}

func TestToolkit_DeepCombIsCutByTheByteBudget(t *testing.T) {
	const depth, deadline = 10_000, 20 * time.Second
	dir := fastTempDir(t)
	deepChain(t, dir, depth, true)
	kit := newKit(t, dir)
	tests := []struct {
		name, tool string
		args       map[string]any
		first      string
	}{
		{"find_files", "find_files", map[string]any{"pattern": "*.txt", "max_results": 5000}, "truncated at "},
		{"search_content", "search_content", map[string]any{"query": "needle", "max_results": 5000, "context_lines": 10}, "truncated at "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var text string
			var took time.Duration
			peak := peakAbove(t, func() { text, took = timedCall(t, kit, tc.tool, tc.args, deadline) })
			t.Logf("%s over a comb of %d levels: %d bytes of text in %v, peak %d MB", tc.tool, depth, len(text), took, peak>>20)
			first, _, _ := strings.Cut(text, "\n")
			if !strings.HasPrefix(first, tc.first) || !strings.Contains(first, "byte limit") {
				t.Errorf("first line = %q, want it to say the byte limit cut the result", first)
			}
			if len(text) > DefaultMaxResultBytes+64<<10 {
				t.Errorf("text is %d bytes, over the %d-byte budget", len(text), DefaultMaxResultBytes)
			}
			if peak > memLimit || took > deadline+time.Second {
				t.Errorf("peak %d MB, took %v; limits %d MB and %v", peak>>20, took, memLimit>>20, deadline+time.Second)
			}
		})
	}
}

// hugeDir makes n empty files in one folder.
func hugeDir(t *testing.T, dir string, n int) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for i := range n {
		f, err := unix.Openat(fd, fmt.Sprintf("file-with-a-longish-name-%07d.txt", i), unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(f)
	}
}

func TestToolkit_HugeDirectoryIsBounded(t *testing.T) {
	const n, deadline = 100_000, 20 * time.Second
	dir := fastTempDir(t)
	hugeDir(t, dir, n)
	t.Run("default budget reads it all within the limits", func(t *testing.T) {
		kit := newKit(t, dir)
		for _, tc := range []struct {
			tool string
			args map[string]any
		}{
			{"list_directory", map[string]any{"limit": 5000}},
			{"find_files", map[string]any{"pattern": "*9999*"}},
			{"search_content", map[string]any{"query": "x"}},
		} {
			var text string
			var took time.Duration
			peak := peakAbove(t, func() { text, took = timedCall(t, kit, tc.tool, tc.args, deadline) })
			t.Logf("%s of %d entries: %v, peak %d MB", tc.tool, n, took, peak>>20)
			if strings.Contains(text, "more entries than one call reads") {
				t.Errorf("%s: %d entries should fit the default budget", tc.tool, n)
			}
			if peak > memLimit || took > deadline+time.Second {
				t.Errorf("%s: peak %d MB, took %v", tc.tool, peak>>20, took)
			}
		}
	})
	t.Run("past the budget the result says it was cut", func(t *testing.T) {
		kit := newKit(t, dir)
		kit.walkCost = 1 << 20 // about 12,000 entries
		_, text := call(t, kit, "list_directory", map[string]any{"limit": 10})
		if !strings.Contains(text, "next: cursor=10") || !strings.Contains(text, "more entries than one call reads") {
			t.Errorf("list_directory over the budget: %s", text)
		}
		res, text := call(t, kit, "find_files", map[string]any{"pattern": "*.txt", "max_results": 5000})
		var fr FindResult
		structured(t, res, &fr)
		first, _, _ := strings.Cut(text, "\n")
		if !fr.Truncated || !strings.HasPrefix(first, "truncated at 5000 files") || !strings.Contains(first, "more entries than one call reads") {
			t.Errorf("find_files over the walk budget: truncated=%v %.200s", fr.Truncated, text)
		}
	})
}

// longLines writes a file of n lines of width characters, each with an X.
func longLines(t *testing.T, path string, n, width int) {
	t.Helper()
	line := strings.Repeat("a", width-2) + "X\n"
	if err := os.WriteFile(path, []byte(strings.Repeat(line, n)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestToolkit_SearchByteBudget(t *testing.T) {
	const deadline = 20 * time.Second
	dir := t.TempDir()
	longLines(t, filepath.Join(dir, "long.txt"), 4900, 2000) // 9.8 MB
	kit := newKit(t, dir)
	args := map[string]any{"query": "X", "max_results": 5000, "context_lines": 10}
	for _, calls := range []int{1, 5} {
		t.Run(fmt.Sprintf("%d at once", calls), func(t *testing.T) {
			texts := make([]string, calls)
			var took time.Duration
			peak := peakAbove(t, func() {
				var wg sync.WaitGroup
				start := time.Now()
				for i := range calls {
					wg.Add(1)
					go func() {
						defer wg.Done()
						texts[i], _ = timedCall(t, kit, "search_content", args, deadline)
					}()
				}
				wg.Wait()
				took = time.Since(start)
			})
			t.Logf("%d searches: %d bytes of text each, %v, peak %d MB", calls, len(texts[0]), took, peak>>20)
			for _, text := range texts {
				first, _, _ := strings.Cut(text, "\n")
				if !strings.HasPrefix(first, "truncated at ") || !strings.Contains(first, "byte limit") || !strings.Contains(text, "; truncated") {
					t.Errorf("first line %q: want the byte limit named", first)
				}
				if len(text) > DefaultMaxResultBytes {
					t.Errorf("text is %d bytes, over the budget", len(text))
				}
			}
			if peak > memLimit || took > deadline+time.Second {
				t.Errorf("peak %d MB, took %v", peak>>20, took)
			}
		})
	}
}

func TestToolkit_SearchCutsLongLines(t *testing.T) {
	dir := t.TempDir()
	longLines(t, filepath.Join(dir, "one.txt"), 1, 100_000)
	kit := newKit(t, dir)
	res, text := call(t, kit, "search_content", map[string]any{"query": "X"})
	var sr SearchResult
	structured(t, res, &sr)
	if n := len([]rune(sr.Matches[0].Text)); n != maxLineText+1 || !strings.HasSuffix(sr.Matches[0].Text, "…") {
		t.Errorf("a 100,000-character line came back as %d characters", n)
	}
	if len(text) > 1000 {
		t.Errorf("text block is %d bytes for one cut line", len(text))
	}
}

func TestToolkit_BlockingFilesAreNeverWaitedOn(t *testing.T) {
	const deadline = 2 * time.Second
	fifoDir := t.TempDir()
	if err := unix.Mkfifo(filepath.Join(fifoDir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, root, path string
	}{
		{"kernel log, a file that blocks until the kernel logs", "/proc", "kmsg"},
		{"FIFO with no writer", fifoDir, "fifo"},
		{"character device", "/dev", "zero"},
		{"terminal device", "/dev", "tty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Lstat(filepath.Join(tc.root, tc.path)); err != nil {
				t.Skip(err)
			}
			kit := newKit(t, tc.root)
			text, took := timedCall(t, kit, "read_file", map[string]any{"path": tc.path}, deadline)
			t.Logf("%s: %v: %.120q", tc.path, took, text)
			if took > deadline+time.Second {
				t.Errorf("read_file %s took %v, past the deadline %v + 1s", tc.path, took, deadline)
			}
			if tc.path != "kmsg" && !strings.Contains(text, "not a regular file") {
				t.Errorf("read_file %s = %q, want it refused as not a regular file", tc.path, text)
			}
		})
	}
	t.Run("search over a FIFO behind a symlink", func(t *testing.T) {
		symlink(t, "fifo", filepath.Join(fifoDir, "link.txt"))
		writeTree(t, fifoDir, map[string]string{"a.txt": "needle\n"})
		kit := newKit(t, fifoDir)
		text, took := timedCall(t, kit, "search_content", map[string]any{"query": "needle"}, deadline)
		if took > deadline+time.Second || !strings.HasPrefix(text, "a.txt\n1:needle\n") {
			t.Errorf("search took %v: %q", took, text)
		}
	})
}

// slowCorpus writes files that a regex without a literal to look for scans
// slowly, about size bytes in all.
func slowCorpus(t *testing.T, dir string, files, size int) {
	t.Helper()
	line := "lorem ipsum dolor sit amet consectetur 1234 adipiscing elit sed do\n"
	content := strings.Repeat(line, size/files/len(line))
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.txt", i)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestToolkit_CancelledSearchesFreeTheirWorkers(t *testing.T) {
	dir := t.TempDir()
	slowCorpus(t, dir, 6, 48<<20)
	writeTree(t, dir, map[string]string{"small.txt": "hello\n"})
	kit := newKit(t, dir)
	idle := runtime.NumGoroutine()
	const searches, cancelAfter = 8, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	ended := make([]time.Time, searches)
	errs := make([]error, searches)
	for i := range searches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = callCtx(ctx, kit, "search_content", map[string]any{"query": `[a-z]+ [a-z]+ \d{4}[xyz]`, "regex": true})
			ended[i] = time.Now()
		}()
	}
	time.Sleep(cancelAfter)
	cancel()
	cancelled := time.Now()
	wg.Wait()
	for i, end := range ended {
		if d := end.Sub(cancelled); d > time.Second {
			t.Errorf("search %d ended %v after its cancellation", i, d)
		}
		if errs[i] == nil {
			t.Logf("search %d finished before the cancellation (the machine is fast)", i)
		}
	}
	start := time.Now()
	res, text := call(t, kit, "read_file", map[string]any{"path": "small.txt"})
	if res.IsError || !strings.HasSuffix(text, "hello\n") || time.Since(start) > time.Second {
		t.Errorf("read_file after the cancelled searches: %v %q", time.Since(start), text)
	}
	for i := 0; i < 50 && runtime.NumGoroutine() > idle; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > idle {
		t.Errorf("%d goroutines still running after the cancelled searches (%d before)", n, idle)
	}
}
