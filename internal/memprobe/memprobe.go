// Package memprobe measures what one call costs the process, for the attack
// tests that hold every call to PRODUCT.md's "Limits under hostile input":
// the peak resident memory it adds (reset through /proc/self/clear_refs and
// read back as VmHWM) and its time. Linux only; elsewhere the callers skip.
package memprobe

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Limits every hostile call must stay within.
const (
	// MaxCallRise is the most one call may add to the process's peak RSS.
	MaxCallRise = 256 << 20
	// DeadlineSlack is how far past its deadline a call may end.
	DeadlineSlack = time.Second
)

// ProcStatus reads one "Vm…" figure (VmRSS, VmHWM, …) of process pid's
// /proc status, in bytes; pid 0 is this process.
func ProcStatus(pid int, key string) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s in %s: %w", key, path, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in %s", key, path)
}

// Status is ProcStatus of this process, skipping the test where there is
// no /proc (not Linux).
func Status(t testing.TB, key string) int64 {
	t.Helper()
	n, err := ProcStatus(0, key)
	if err != nil {
		t.Skipf("cannot read the process's memory (Linux only): %v", err)
	}
	return n
}

// Measure runs fn and returns how far the process's peak RSS rose above its
// RSS just before, and how long fn took. Tests that use it must not run in
// parallel with others of their package.
func Measure(t testing.TB, fn func()) (rise int64, took time.Duration) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS (Linux only): %v", err)
	}
	idle := Status(t, "VmRSS")
	start := time.Now()
	fn()
	took = time.Since(start)
	return Status(t, "VmHWM") - idle, took
}

// CheckBounds fails the test past MaxCallRise or deadline + DeadlineSlack.
func CheckBounds(t testing.TB, rise int64, took, deadline time.Duration) {
	t.Helper()
	t.Logf("peak RSS rise %d MiB, took %s", rise>>20, took)
	if rise > MaxCallRise {
		t.Errorf("peak RSS rose %d MiB, more than %d MiB", rise>>20, MaxCallRise>>20)
	}
	if took > deadline+DeadlineSlack {
		t.Errorf("the call took %s, more than its %s deadline plus %s", took, deadline, DeadlineSlack)
	}
}

// BytesWritten is wchar of /proc/self/io: the bytes this process wrote.
func BytesWritten(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("wchar not in /proc/self/io")
	return 0
}
