package main

import (
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// benchSQLite times sqlite_query returning 5,000 rows through a real MCP
// call, side by side with the sqlite3 shell running the same query, and the
// server's peak memory during a SELECT * over the whole table with max_rows 200.
func benchSQLite(bin, db string, n int) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		fail("the sqlite3 shell is needed: apt-get install sqlite3")
	}
	const query = "SELECT id, name, price, note FROM big WHERE id > 500000 ORDER BY id LIMIT 5000"
	s := spawn([]string{bin, "serve", "--toolkits", "sqlite", "--sqlite", "big=" + db, "--log-level", "warn"})
	defer s.close()
	s.initialize()
	args := map[string]any{"sql": query, "max_rows": 5000}
	var rows, shellRows int
	s.call("sqlite_query", args)
	runShell(db, query)
	ours, theirs := pairedMedians(n, func() {
		rows = s.call("sqlite_query", args)
	}, func() {
		shellRows = runShell(db, query)
	})
	fmt.Printf("tree: %s, %d runs each, median wall time\n\n", db, n)
	fmt.Printf("%-44s %10s %10s %8s %8s %8s\n", "query", "glm-mcp", "sqlite3", "ratio", "rows", "rows")
	fmt.Printf("%-44s %10s %10s %7.2fx %8d %8d\n", "5,000 rows of 1,000,000 (MCP call vs shell)", ms(ours), ms(theirs), float64(ours)/float64(theirs), rows, shellRows)

	before := s.rss("VmHWM")
	t0 := time.Now()
	got := s.call("sqlite_query", map[string]any{"sql": "SELECT * FROM big", "max_rows": 200})
	fmt.Printf("%-44s %10s %21s %8d\n", "SELECT * over 1,000,000 rows, max_rows 200", ms(time.Since(t0)), "", got)
	fmt.Printf("\nserve peak RSS: %.1f MB before the SELECT *, %.1f MB after\n", before, s.rss("VmHWM"))
}

// runShell runs the query in the sqlite3 shell and returns the rows it printed.
func runShell(db, query string) int {
	out, err := exec.Command("sqlite3", "-readonly", "-json", db, query).Output()
	if err != nil {
		fail("sqlite3: %v", err)
	}
	return strings.Count(string(out), "\n{") + strings.Count(string(out[:min(2, len(out))]), "[{")
}
