// Command tokens prints, side by side, how many o200k_base tokens each
// glm-mcp tool's text block takes against the same content as a good CLI
// prints it (the file itself, rg -n --heading, rg --files, ls -l,
// sqlite3 .schema), on fixed inputs: this repository, the Go source tree and
// a generated SQLite database. The tokenizer's ranks are embedded: nothing is
// downloaded. Run it through bench/tokens.sh.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	_ "github.com/mattn/go-sqlite3"
	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"

	"github.com/glm-mcp/glm-mcp/toolkits"
	"github.com/glm-mcp/glm-mcp/toolkits/files"
	"github.com/glm-mcp/glm-mcp/toolkits/sqlite"
)

// row is one comparison: a tool call and the CLI command that prints the same.
type row struct {
	corpus, tool string
	args         map[string]any
	cli          []string // run in the corpus folder
	budget       float64  // the most tool/CLI tokens allowed
}

func main() {
	repo := flag.String("repo", ".", "this repository")
	goSrc := flag.String("gosrc", "", "the Go source tree (default: $(go env GOROOT)/src)")
	flag.Parse()
	if err := run(context.Background(), *repo, *goSrc); err != nil {
		fmt.Fprintln(os.Stderr, "tokens:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, repo, goSrc string) error {
	if goSrc == "" {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return fmt.Errorf("go env GOROOT: %w", err)
		}
		goSrc = filepath.Join(strings.TrimSpace(string(out)), "src")
	}
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
	enc, err := tiktoken.GetEncoding("o200k_base")
	if err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	count := func(s string) int { return len(enc.Encode(s, nil, nil)) }

	fmt.Println("| corpus | tool | arguments | tool tokens | CLI | CLI tokens | ratio | budget |")
	fmt.Println("|---|---|---|---:|---|---:|---:|---|")
	failed := 0
	for _, c := range []struct {
		name, dir string
		rows      []row
	}{
		{"repo", repo, repoRows()},
		{"go/src", goSrc, goRows()},
	} {
		kit, err := files.New(files.Config{Roots: []string{c.dir}})
		if err != nil {
			return err
		}
		for _, r := range c.rows {
			text, err := callTool(ctx, kit, r.tool, r.args)
			if err != nil {
				kit.Close()
				return fmt.Errorf("%s %s: %w", c.name, r.tool, err)
			}
			cli, err := runCLI(c.dir, r.cli)
			if err != nil {
				kit.Close()
				return err
			}
			if !report(c.name, r, count(text), count(cli)) {
				failed++
			}
		}
		kit.Close()
	}
	ok, err := schemaRow(ctx, count)
	if err != nil {
		return err
	}
	if !ok {
		failed++
	}
	if failed > 0 {
		return fmt.Errorf("%d rows over budget", failed)
	}
	return nil
}

func repoRows() []row {
	return []row{
		{"", "read_file", map[string]any{"path": "toolkits/files/walk.go"}, []string{"cat", "toolkits/files/walk.go"}, 1.03},
		{"", "read_file", map[string]any{"path": "README.md"}, []string{"cat", "README.md"}, 1.03},
		{"", "search_content", map[string]any{"query": "ctx context.Context", "max_results": 5000}, []string{"rg", "-n", "--heading", "--sort", "path", "-F", "ctx context.Context"}, 1.02},
		{"", "search_content", map[string]any{"query": "func New", "context_lines": 2, "max_results": 5000}, []string{"rg", "-n", "--heading", "--sort", "path", "-F", "-C", "2", "func New"}, 1.02},
		{"", "find_files", map[string]any{"pattern": "*.go", "max_results": 5000}, []string{"rg", "--files", "--sort", "path", "-g", "*.go"}, 1.02},
		{"", "list_directory", map[string]any{"path": "store"}, []string{"ls", "-l", "store"}, 1.0},
		{"", "list_directory", map[string]any{"path": "toolkits/files"}, []string{"ls", "-l", "toolkits/files"}, 1.0},
	}
}

func goRows() []row {
	return []row{
		{"", "read_file", map[string]any{"path": "net/http/server.go", "limit": 100000, "max_bytes": 10 << 20}, []string{"cat", "net/http/server.go"}, 1.03},
		{"", "read_file", map[string]any{"path": "fmt/print.go"}, []string{"cat", "fmt/print.go"}, 1.03},
		{"", "search_content", map[string]any{"query": "func NewReader", "max_results": 5000}, []string{"rg", "-n", "--heading", "--sort", "path", "-F", "func NewReader"}, 1.02},
		{"", "search_content", map[string]any{"query": `func \(b \*Buffer\) \w+`, "regex": true, "path": "bytes", "context_lines": 1}, []string{"rg", "-n", "--heading", "--sort", "path", "-C", "1", `func \(b \*Buffer\) \w+`, "bytes"}, 1.02},
		{"", "find_files", map[string]any{"pattern": "*_test.go", "path": "net", "max_results": 5000}, []string{"rg", "--files", "--sort", "path", "-g", "*_test.go", "net"}, 1.02},
		{"", "list_directory", map[string]any{"path": "net/http"}, []string{"ls", "-l", "net/http"}, 1.0},
		{"", "list_directory", map[string]any{"path": "strings"}, []string{"ls", "-l", "strings"}, 1.0},
	}
}

// report prints one table row and says whether it kept its budget.
func report(corpus string, r row, tool, cli int) bool {
	ratio := float64(tool) / float64(max(cli, 1))
	verdict := fmt.Sprintf("≤ %.2fx ok", r.budget)
	ok := ratio <= r.budget
	if !ok {
		verdict = fmt.Sprintf("≤ %.2fx OVER", r.budget)
	}
	fmt.Printf("| %s | %s | %s | %d | `%s` | %d | %.3f | %s |\n", corpus, r.tool, argText(r.args), tool, strings.Join(r.cli, " "), cli, ratio, verdict)
	return ok
}

func argText(args map[string]any) string {
	var parts []string
	for _, k := range []string{"path", "query", "pattern", "regex", "context_lines"} {
		if v, ok := args[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.ReplaceAll(strings.Join(parts, " "), "|", `\|`)
}

// callTool runs one tool of a toolkit in process and returns its text block.
func callTool(ctx context.Context, kit toolkits.Toolkit, name string, args map[string]any) (string, error) {
	for _, tl := range kit.Tools() {
		if tl.Def.Name != name {
			continue
		}
		req := mcp.CallToolRequest{}
		req.Params.Name = name
		req.Params.Arguments = args
		res, err := tl.Handler(ctx, req)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(mcp.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		if res.IsError {
			return "", errors.New(b.String())
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("no tool %s", name)
}

func runCLI(dir string, argv []string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1 && argv[0] == "rg") {
		return "", fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return string(out), nil
}

// schemaRow compares sqlite_schema with sqlite3 .schema on a generated shop.
func schemaRow(ctx context.Context, count func(string) int) (bool, error) {
	dir, err := os.MkdirTemp("", "tokens-db-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "shop.db")
	if err := makeShop(path); err != nil {
		return false, err
	}
	kit, err := sqlite.New(ctx, sqlite.Config{Databases: []sqlite.Database{{Name: "shop", Path: path}}})
	if err != nil {
		return false, err
	}
	defer kit.Close()
	text, err := callTool(ctx, kit, "sqlite_schema", map[string]any{})
	if err != nil {
		return false, fmt.Errorf("sqlite_schema: %w", err)
	}
	cli, err := runCLI(dir, []string{"sqlite3", path, ".schema"})
	if err != nil {
		return false, err
	}
	r := row{tool: "sqlite_schema", args: map[string]any{}, cli: []string{"sqlite3", "shop.db", ".schema"}, budget: 1.1}
	return report("generated shop.db", r, count(text), count(cli)), nil
}

// shopSchema is a small shop: tables with keys, defaults and checks, indexes, a view.
const shopSchema = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (datetime('now')), country TEXT);
CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, title TEXT NOT NULL, price_cents INTEGER NOT NULL CHECK (price_cents >= 0), stock INTEGER NOT NULL DEFAULT 0);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), status TEXT NOT NULL DEFAULT 'new', placed_at TEXT NOT NULL, total_cents INTEGER NOT NULL);
CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL CHECK (quantity > 0), unit_cents INTEGER NOT NULL, PRIMARY KEY (order_id, product_id));
CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id), customer_id INTEGER REFERENCES customers(id), stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5), body TEXT);
CREATE INDEX orders_customer ON orders(customer_id, placed_at);
CREATE INDEX order_items_product ON order_items(product_id);
CREATE INDEX reviews_product ON reviews(product_id, stars);
CREATE VIEW order_totals AS SELECT o.id, c.email, sum(i.quantity * i.unit_cents) AS cents FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id GROUP BY o.id;
`

func makeShop(path string) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(shopSchema); err != nil {
		return fmt.Errorf("create shop: %w", err)
	}
	for i := range 50 {
		if _, err := db.Exec(`INSERT INTO customers(email, name, country) VALUES (?, ?, 'NL')`, fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("Customer %d", i)); err != nil {
			return err
		}
	}
	return nil
}
