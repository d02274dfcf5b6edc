//go:build !unix

package files

// handleBudget is how many directory handles searches may keep open at once.
func handleBudget() int64 { return 256 }
