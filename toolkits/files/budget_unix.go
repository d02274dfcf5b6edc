//go:build unix

package files

import "syscall"

// handleBudget is how many directory handles searches may keep open at once:
// a quarter of the file descriptors the process may have, at most 4096.
func handleBudget() int64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 256
	}
	return int64(min(lim.Cur/4, 4096))
}
