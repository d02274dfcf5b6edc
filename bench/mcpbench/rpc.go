package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// benchRPC measures sequential tools/call throughput over stdio, one call in
// flight, for glm-mcp's cheapest tool, a bare mcp-go echo server and
// (optionally) the reference server-everything's echo, in one run.
func benchRPC(bin, echoBin, everything string, calls int) {
	dir, err := os.MkdirTemp("", "mcpbench-rpc")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		fail("%v", err)
	}
	type peer struct {
		name string
		argv []string
		tool string
		args map[string]any
	}
	peers := []peer{
		{"bare mcp-go server, echo", []string{echoBin}, "echo", map[string]any{"message": "hello"}},
		{"glm-mcp serve, read_file (6 bytes)", []string{bin, "serve", "--root", dir, "--toolkits", "files"}, "read_file", map[string]any{"path": "hello.txt"}},
		{"glm-mcp serve, read_file, --log-level warn", []string{bin, "serve", "--root", dir, "--toolkits", "files", "--log-level", "warn"}, "read_file", map[string]any{"path": "hello.txt"}},
	}
	if everything != "" {
		peers = append(peers, peer{"reference server-everything, echo", []string{"node", everything}, "echo", map[string]any{"message": "hello"}})
	}
	fmt.Printf("sequential tools/call over stdio, one call in flight, %d calls each (best of 3 rounds)\n\n", calls)
	rates := make([]float64, len(peers))
	for round := 0; round < 3; round++ { // rounds alternate the servers, so load changes hit all
		for i, p := range peers {
			s := spawn(p.argv)
			s.initialize()
			s.call(p.tool, p.args)
			t0 := time.Now()
			for range calls {
				s.call(p.tool, p.args)
			}
			rate := float64(calls) / time.Since(t0).Seconds()
			s.close()
			rates[i] = max(rates[i], rate)
		}
	}
	for i, p := range peers {
		fmt.Printf("%-44s %8.0f calls/s   %5.0f%% of bare mcp-go\n", p.name, rates[i], 100*rates[i]/rates[0])
	}
}
