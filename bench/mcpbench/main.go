// Command mcpbench measures glm-mcp's files toolkit side by side with ripgrep
// (and, when installed, the reference MCP filesystem server) in one run:
// spawn-to-tools/list time, find_files and search_content through real MCP
// calls over stdio, peak memory, and the ratio to the peer for each.
//
//	go run ./bench/mcpbench -bin ./glm-mcp -root "$(go env GOROOT)/src"
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "./glm-mcp", "glm-mcp binary")
	root := flag.String("root", "", "tree to search (default: $(go env GOROOT)/src)")
	n := flag.Int("n", 10, "runs per measurement (the median is reported)")
	refServer := flag.String("ref-server", "", "command line of the reference filesystem MCP server, ROOT appended (optional)")
	sqliteDB := flag.String("sqlite-db", "", "measure the sqlite toolkit on this database (a table big with 1,000,000 rows) instead of files")
	echoBin := flag.String("echo-server", "", "measure tools/call throughput against this bare mcp-go echo server instead of files")
	everything := flag.String("everything", "", "with -echo-server: also the reference server-everything (path to its dist/index.js)")
	flag.Parse()
	if *echoBin != "" {
		benchRPC(*bin, *echoBin, *everything, 200**n)
		return
	}
	if *sqliteDB != "" {
		benchSQLite(*bin, *sqliteDB, *n)
		return
	}
	if *root == "" {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			fail("go env GOROOT: %v", err)
		}
		*root = strings.TrimSpace(string(out)) + "/src"
	}
	if _, err := exec.LookPath("rg"); err != nil {
		fail("ripgrep (rg) is needed: apt-get install ripgrep")
	}
	fmt.Printf("tree: %s, %d runs each, median wall time\n\n", *root, *n)

	start := median(*n, func() time.Duration { return startup([]string{*bin, "serve", "--root", *root, "--log-level", "warn"}) })
	fmt.Printf("%-44s %10s\n", "serve start: spawn to tools/list answered", ms(start))
	if *refServer != "" {
		ref := strings.Fields(*refServer)
		refStart := median(*n, func() time.Duration { return startup(append(ref, *root)) })
		fmt.Printf("%-44s %10s   ratio %.2fx\n", "reference server start", ms(refStart), float64(start)/float64(refStart))
	}

	s := spawn([]string{*bin, "serve", "--root", *root, "--log-level", "warn"})
	defer s.close()
	s.initialize()
	idle := s.rss("VmRSS")
	fmt.Printf("%-44s %10.1f MB\n\n", "serve idle RSS", idle)

	fmt.Printf("%-34s %10s %10s %8s %8s %8s\n", "query", "glm-mcp", "rg", "ratio", "ours", "rg")
	cases := []struct {
		name string
		tool string
		args map[string]any
		rg   []string
	}{
		{"find_files *reader*", "find_files", map[string]any{"pattern": "*reader*", "max_results": 5000}, []string{"--files", "-g", "*reader*"}},
		{"search literal 'func NewReader'", "search_content", map[string]any{"query": "func NewReader", "max_results": 5000}, []string{"-n", "-F", "func NewReader"}},
		{`search regex 'func New\w+Reader'`, "search_content", map[string]any{"query": `func New\w+Reader`, "regex": true, "max_results": 5000}, []string{"-n", `func New\w+Reader`}},
		{"search ignore-case 'newreader'", "search_content", map[string]any{"query": "newreader", "max_results": 5000}, []string{"-n", "-i", "-F", "newreader"}},
	}
	for _, c := range cases {
		var count, rgCount int
		s.call(c.tool, c.args) // warm the cache and the server
		runRG(*root, c.rg)
		// Alternate the two so that a change in the machine's load hits both.
		ours, theirs := pairedMedians(*n, func() {
			count = s.call(c.tool, c.args)
		}, func() {
			rgCount = runRG(*root, c.rg)
		})
		fmt.Printf("%-34s %10s %10s %7.2fx %8d %8d\n", c.name, ms(ours), ms(theirs), float64(ours)/float64(theirs), count, rgCount)
	}
	if *refServer != "" {
		ref := spawn(append(strings.Fields(*refServer), *root))
		ref.initialize()
		args := map[string]any{"path": *root, "pattern": "**/*reader*"}
		ref.call("search_files", args)
		refFind := median(max(1, *n/3), func() time.Duration {
			t0 := time.Now()
			ref.call("search_files", args)
			return time.Since(t0)
		})
		ref.close()
		ours := median(*n, func() time.Duration {
			t0 := time.Now()
			s.call("find_files", map[string]any{"pattern": "**/*reader*", "max_results": 5000})
			return time.Since(t0)
		})
		fmt.Printf("%-34s %10s %10s %7.2fx   (reference server's search_files)\n", "find **/*reader*", ms(ours), ms(refFind), float64(ours)/float64(refFind))
	}
	fmt.Printf("\n%-44s %10.1f MB\n", "serve peak RSS after the searches", s.rss("VmHWM"))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// pairedMedians times a and b alternately n times each and returns their medians.
func pairedMedians(n int, a, b func()) (time.Duration, time.Duration) {
	da, db := make([]time.Duration, n), make([]time.Duration, n)
	for i := range n {
		t0 := time.Now()
		a()
		da[i] = time.Since(t0)
		t0 = time.Now()
		b()
		db[i] = time.Since(t0)
	}
	slices.Sort(da)
	slices.Sort(db)
	return da[n/2], db[n/2]
}

func median(n int, f func() time.Duration) time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = f()
	}
	slices.Sort(ds)
	return ds[n/2]
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mcpbench: "+format+"\n", args...)
	os.Exit(1)
}

// runRG runs ripgrep on the tree and returns how many lines it printed.
func runRG(root string, args []string) int {
	cmd := exec.Command("rg", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		fail("rg %v: %v", args, err)
	}
	return strings.Count(string(out), "\n")
}

// session is a server spoken to in raw newline-delimited JSON-RPC, so the
// client adds as little as possible to what is measured.
type session struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	id  int
}

func spawn(argv []string) *session {
	cmd := exec.Command(argv[0], argv[1:]...)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fail("start %v: %v", argv, err)
	}
	return &session{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
}

func (s *session) close() {
	s.in.Close()
	s.cmd.Wait()
}

func (s *session) request(method string, params any) json.RawMessage {
	s.id++
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": s.id, "method": method, "params": params})
	s.in.Write(append(msg, '\n'))
	for {
		line, err := s.out.ReadBytes('\n')
		if err != nil {
			fail("%s: %v", method, err)
		}
		var resp struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(line, &resp) != nil || resp.ID == nil || *resp.ID != s.id {
			continue
		}
		if resp.Error != nil {
			fail("%s: %s", method, resp.Error)
		}
		return resp.Result
	}
}

func (s *session) initialize() {
	s.request("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "mcpbench", "version": "1"}})
	s.in.Write([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n"))
}

// call runs a tool and returns how many results it reported.
func (s *session) call(tool string, args map[string]any) int {
	raw := s.request("tools/call", map[string]any{"name": tool, "arguments": args})
	var res struct {
		IsError    bool `json:"isError"`
		Structured struct {
			Files   []string `json:"files"`
			Matches []any    `json:"matches"`
			Rows    []any    `json:"rows"`
		} `json:"structuredContent"`
		Content []struct{ Text string } `json:"content"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.IsError {
		fail("%s: %s", tool, raw)
	}
	if n := len(res.Structured.Files) + len(res.Structured.Matches) + len(res.Structured.Rows); n > 0 {
		return n
	}
	if len(res.Content) > 0 { // a server without structured content: count lines
		return strings.Count(res.Content[0].Text, "\n") + 1
	}
	return 0
}

// rss reads a memory figure (VmRSS, VmHWM) of the server from /proc, in MB.
func (s *session) rss(field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return -1
}

// startup spawns a server and times spawn to an answered tools/list.
func startup(argv []string) time.Duration {
	t0 := time.Now()
	s := spawn(argv)
	s.initialize()
	s.request("tools/list", map[string]any{})
	d := time.Since(t0)
	s.close()
	return d
}
