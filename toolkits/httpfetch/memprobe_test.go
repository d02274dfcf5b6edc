package httpfetch

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Limits every hostile call must stay within (PRODUCT.md, "Limits under
// hostile input").
const (
	maxCallRise  = 256 << 20
	deadlineFuzz = time.Second
)

// procStatus reads one "Vm…" figure of /proc/self/status in bytes.
func procStatus(t testing.TB, key string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status (Linux only): %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("%s not in /proc/self/status", key)
	return 0
}

// measure runs fn and returns how far the process's peak RSS rose above its
// RSS just before, and how long fn took. The peak is reset first by writing
// 5 to /proc/self/clear_refs. Tests that use it do not run in parallel.
func measure(t testing.TB, fn func()) (rise int64, took time.Duration) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS (Linux only): %v", err)
	}
	idle := procStatus(t, "VmRSS")
	start := time.Now()
	fn()
	took = time.Since(start)
	return procStatus(t, "VmHWM") - idle, took
}

// checkBounds fails the test past the memory and time limits.
func checkBounds(t testing.TB, rise int64, took, deadline time.Duration) {
	t.Helper()
	t.Logf("peak RSS rise %d MiB, took %s", rise>>20, took)
	if rise > maxCallRise {
		t.Errorf("peak RSS rose %d MiB, more than %d MiB", rise>>20, maxCallRise>>20)
	}
	if took > deadline+deadlineFuzz {
		t.Errorf("the call took %s, more than its %s deadline plus %s", took, deadline, deadlineFuzz)
	}
}
