package main

import (
	"database/sql"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glm-mcp/glm-mcp/bridge/glm/glmtest"
)

var updateReplay = flag.Bool("update-replay", false, "record examples/replay/transcripts again")

// demoDB loads examples/demo.sql into a fresh SQLite file.
func demoDB(t *testing.T) string {
	t.Helper()
	script, err := os.ReadFile("examples/demo.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "demo.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(script)); err != nil {
		t.Fatalf("demo.sql: %v", err)
	}
	return path
}

// suiteFlags are the tools the example suite runs against.
func suiteFlags(db string) []string {
	data, _ := filepath.Abs("examples/replay/data")
	return []string{"--toolkits", "files,sqlite", "--root", data, "--sqlite", "demo=" + db}
}

// TestReplaySuite_Record writes the example suite's transcripts: three runs
// of ask against a scripted model, exported as json. Run with -update-replay.
func TestReplaySuite_Record(t *testing.T) {
	if !*updateReplay {
		t.Skip("records only with -update-replay")
	}
	db := demoDB(t)
	runs := []struct {
		file, prompt string
		turns        []glmtest.Turn
	}{
		{"low-stock.json", "which products are low on stock?", []glmtest.Turn{
			{ToolCalls: []glmtest.Call{{ID: "q1", Name: "sqlite_query", Arguments: `{"sql":"SELECT name, price, stock FROM products WHERE stock < 10 ORDER BY stock"}`}}},
			{Content: "Only the Monitor is low: 3 left."},
		}},
		{"todo.json", "what is left on my to-do list, and do my notes agree?", []glmtest.Turn{
			{ToolCalls: []glmtest.Call{
				{ID: "f1", Name: "find_files", Arguments: `{"pattern":"*.md"}`},
				{ID: "r1", Name: "read_file", Arguments: `{"path":"todo.md"}`},
				{ID: "s1", Name: "search_content", Arguments: `{"query":"keyboard"}`},
			}},
			{Content: "Two items are open: reorder keyboards and email Grace. The notes agree."},
		}},
		{"revenue.json", "who are our best customers?", []glmtest.Turn{
			{ToolCalls: []glmtest.Call{{ID: "sc", Name: "sqlite_schema", Arguments: `{"table":"revenue"}`}}},
			{ToolCalls: []glmtest.Call{{ID: "rv", Name: "sqlite_query", Arguments: `{"sql":"SELECT customer, spent FROM revenue"}`}}},
			{Content: "Grace spent most (189.0), then Ada (88.9) and Linus (19.5)."},
		}},
	}
	for _, r := range runs {
		fake := glmtest.New(t, r.turns...)
		env, _ := askEnv(t)
		res := runBin(t, env, "", append(append([]string{"ask", "--base-url", fake.URL}, suiteFlags(db)...), r.prompt)...)
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", r.file, res.code, res.stderr)
		}
		exp := runBin(t, env, "", "transcripts", "export", "last", "--format", "json")
		if exp.code != 0 {
			t.Fatalf("export: %s", exp.stderr)
		}
		if err := os.WriteFile(filepath.Join("examples/replay/transcripts", r.file), []byte(exp.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// junitDoc is the JUnit XML shape CI systems read, for checking the report.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failures  []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Errors []struct{} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// checkJUnit parses a JUnit file and checks that its counts add up, as the
// JUnit schema CI systems use has them: testsuites > testsuite > testcase >
// failure, the counts being of test cases (failed, errored) and each level
// the sum of the one below.
func checkJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not JUnit XML: %v\n%s", err, data)
	}
	tests, failures, errs := 0, 0, 0
	for _, s := range doc.Suites {
		if s.Name == "" || s.Time == "" {
			t.Errorf("testsuite without name or time: %+v", s)
		}
		f, e := 0, 0
		for _, c := range s.Cases {
			if c.Name == "" || c.Classname == "" || c.Time == "" {
				t.Errorf("testcase without name, classname or time: %+v", c)
			}
			for _, fl := range c.Failures {
				if fl.Message == "" || fl.Type == "" || strings.TrimSpace(fl.Body) == "" {
					t.Errorf("failure without message, type or diff: %+v", fl)
				}
			}
			switch {
			case len(c.Errors) > 0:
				e++
			case len(c.Failures) > 0:
				f++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e {
			t.Errorf("testsuite counts %d/%d/%d, but it holds %d cases, %d failures, %d errors", s.Tests, s.Failures, s.Errors, len(s.Cases), f, e)
		}
		tests, failures, errs = tests+s.Tests, failures+s.Failures, errs+s.Errors
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs {
		t.Errorf("testsuites counts %d/%d/%d, suites add up to %d/%d/%d", doc.Tests, doc.Failures, doc.Errors, tests, failures, errs)
	}
	return doc
}

// TestReplaySuite_Examples runs the example suite as CI would (its ci.sh, and
// the same command from Go): every call the same, exit 0, a JUnit report.
// Then one value in one row of the demo database changes, and the report
// names exactly that field.
func TestReplaySuite_Examples(t *testing.T) {
	files, _ := filepath.Glob("examples/replay/transcripts/*.json")
	if len(files) != 3 {
		t.Fatalf("want three example transcripts, found %v", files)
	}
	db := demoDB(t)
	env := []string{"GLM_MCP_DB=" + filepath.Join(t.TempDir(), "unused.db"), "NO_COLOR=1"}
	report := filepath.Join(t.TempDir(), "junit.xml")
	args := append(append([]string{"replay"}, files...), suiteFlags(db)...)
	res := runBin(t, env, "", append(args, "--junit", report)...)
	if res.code != 0 || !strings.Contains(res.stdout, "3 transcripts: 3 passed, 0 failed") {
		t.Fatalf("the example suite should pass: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(env[0][len("GLM_MCP_DB="):]), "unused.db")); err == nil {
		t.Error("replaying export files must not need (or create) a store")
	}
	doc := checkJUnit(t, report)
	if doc.Tests != 3 || doc.Failures != 0 {
		t.Errorf("JUnit: %d tests, %d failures; want 3 and 0", doc.Tests, doc.Failures)
	}

	// The CI snippet itself, with glm-mcp on PATH.
	if _, err := exec.LookPath("sqlite3"); err == nil || os.Getenv("CI") == "true" {
		needTool(t, "sqlite3", "sqlite3")
		ciReport := filepath.Join(t.TempDir(), "ci-junit.xml")
		ci := runCmd(t, []string{"PATH=" + filepath.Dir(binPath) + ":" + os.Getenv("PATH"), "JUNIT_REPORT=" + ciReport}, "", "sh", "examples/replay/ci.sh")
		if ci.code != 0 {
			t.Errorf("examples/replay/ci.sh: exit %d\n%s%s", ci.code, ci.stdout, ci.stderr)
		}
		checkJUnit(t, ciReport)
	}

	// One value changes: the Monitor's price.
	conn, err := sql.Open("sqlite3", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`UPDATE products SET price = 199.0 WHERE name = 'Monitor'`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	res = runBin(t, env, "", append(args, "--junit", report)...)
	if res.code != 1 {
		t.Fatalf("a changed price must fail the suite: exit %d\n%s", res.code, res.stdout)
	}
	if !strings.Contains(res.stdout, `rows[0].price: "189.0" → "199.0"`) {
		t.Errorf("the diff should name exactly the changed field:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, `"Monitor" →`) || strings.Contains(res.stdout, "stock:") {
		t.Errorf("unchanged fields must not be listed:\n%s", res.stdout)
	}
	doc = checkJUnit(t, report)
	if doc.Failures == 0 {
		t.Error("JUnit report without the failure")
	}
}

// TestReplay_CassetteAndTwoModels: --cassette plays a recorded external
// server's results when the server is gone; --live with two models prints a
// side-by-side summary and stores two linked transcripts.
func TestReplay_CassetteAndTwoModels(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.md": "alpha\n"})
	cfgPath := filepath.Join(t.TempDir(), "mcp.json")
	writeFiles(t, filepath.Dir(cfgPath), map[string]string{"mcp.json": `{"mcpServers":{"ext":{"command":"` + binPath + `","args":["serve","--toolkits","files","--root","` + root + `"]}}}`})
	fake := glmtest.New(t,
		glmtest.Turn{ToolCalls: []glmtest.Call{
			{ID: "e1", Name: "ext__read_file", Arguments: `{"path":"a.md"}`},
			{ID: "o1", Name: "list_directory", Arguments: `{}`},
		}},
		glmtest.Turn{Content: "alpha it is"},
	)
	env, db := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "--mcp-config", cfgPath, "--prefix-tools", "read a"); res.code != 0 {
		t.Fatalf("ask: %s", res.stderr)
	}
	orig := latest(t, db)
	os.Remove(cfgPath) // the external server cannot run any more

	res := runBin(t, env, "", "replay", "last")
	if !strings.Contains(res.stderr, "using the tools recorded with "+orig.ID) || !strings.Contains(res.stderr, "roots "+root) {
		t.Errorf("the recorded roots should be shown before use:\n%s", res.stderr)
	}
	if res.code != 1 || !strings.Contains(res.stdout, "failed   e1") || !strings.Contains(res.stderr, "not starting the recorded external servers") {
		t.Errorf("without the server or a cassette the call fails: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runBin(t, env, "", "replay", "last", "--cassette", "ext")
	if res.code != 0 || !strings.Contains(res.stdout, "cassette e1") || !strings.Contains(res.stdout, "same     o1") {
		t.Errorf("--cassette ext: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	fake.Push(glmtest.Turn{Content: "first model's answer"}, glmtest.Turn{Content: "second model's answer"})
	res = runBin(t, env, "", "replay", orig.ID, "--live", "--base-url", fake.URL, "--model", "glm-4.7", "--model", "glm-4.6", "--toolkits", "files", "--root", root)
	if res.code != 0 {
		t.Fatalf("live with two models: exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{"MODEL", "glm-4.7", "glm-4.6", "first model's answer", "second model's answer"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stdout)
		}
	}
	reqs := fake.Requests()
	if m1, m2 := reqs[len(reqs)-2].Body.Model, reqs[len(reqs)-1].Body.Model; m1 != "glm-4.7" || m2 != "glm-4.6" {
		t.Errorf("models asked: %s, %s", m1, m2)
	}
	st := openStore(t, db)
	list, err := st.List(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	linked := 0
	for _, s := range list {
		if s.ParentID == orig.ID && s.Relation == "replay" {
			linked++
		}
	}
	if linked != 2 {
		t.Errorf("want two transcripts linked to the original, got %d", linked)
	}
}

// TestReplay_ConfigFileDoesNotReplaceRecordedTools: the configuration file's
// everyday root is not a flag given for this replay: the recorded tools
// still run, and say so.
func TestReplay_ConfigFileDoesNotReplaceRecordedTools(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	writeFiles(t, root, map[string]string{"a.md": "alpha\n"})
	writeFiles(t, other, map[string]string{"a.md": "something else\n"})
	fake := glmtest.New(t, glmtest.Turn{ToolCalls: []glmtest.Call{{ID: "r", Name: "read_file", Arguments: `{"path":"a.md"}`}}}, glmtest.Turn{Content: "ok"})
	env, _ := askEnv(t)
	if res := runBin(t, env, "", "ask", "--base-url", fake.URL, "--root", root, "--toolkits", "files", "read a"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.toml")
	writeFiles(t, filepath.Dir(cfgPath), map[string]string{"config.toml": "root = [\"" + other + "\"]\ntoolkits = \"files\"\n"})
	res := runBin(t, env, "", "replay", "last", "--config", cfgPath)
	if res.code != 0 || !strings.Contains(res.stdout, "same     r read_file") || !strings.Contains(res.stderr, "using the tools recorded") {
		t.Errorf("the recorded root should be used: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
