package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/glm-mcp/glm-mcp/bridge/glm"
	"github.com/glm-mcp/glm-mcp/store"
)

// replayOutput prints a replay as it goes (text), or its report at the end
// (--json), and writes the JUnit file.
type replayOutput struct {
	a     *app
	json  bool
	junit string
	start time.Time
}

func newReplayOutput(a *app, cfg *replayConfig) *replayOutput {
	return &replayOutput{a: a, json: cfg.JSON, junit: cfg.JUnit, start: time.Now()}
}

func (o *replayOutput) transcriptStart(t *store.Transcript) {
	if !o.json {
		fmt.Fprintf(o.a.stdout, "replay of %s (%q): tool calls run again against today's tools\n", t.ID, shorten(t.Title, 60))
	}
}

func (o *replayOutput) call(c callReport) {
	if o.json {
		return
	}
	label := c.ID + " " + callLabel(glm.ToolCall{Function: glm.FunctionCall{Name: c.Tool, Arguments: c.Arguments}})
	fmt.Fprintf(o.a.stdout, "  %-8s %s", c.Outcome, label)
	if c.Error != "" {
		fmt.Fprintf(o.a.stdout, ": %s", shorten(c.Error, 120))
	}
	fmt.Fprintln(o.a.stdout)
	for i, ch := range c.Changes {
		if i == 12 {
			fmt.Fprintf(o.a.stdout, "      … %d more changes\n", len(c.Changes)-i)
			break
		}
		fmt.Fprintf(o.a.stdout, "      %s\n", ch)
	}
}

func (o *replayOutput) transcriptDone(r *transcriptReport) {
	if o.json {
		return
	}
	if r.Error != "" {
		fmt.Fprintf(o.a.stdout, "replay of %s: the tools could not be set up: %s\n", r.ID, r.Error)
		return
	}
	fmt.Fprintf(o.a.stdout, "%d same, %d changed, %d failed\n", r.Same, r.Changed, r.Failed)
}

// finish prints the totals (or the JSON report) and writes the JUnit file.
func (o *replayOutput) finish(reports []*transcriptReport) error {
	if o.junit != "" {
		if err := writeJUnit(o.junit, reports, time.Since(o.start)); err != nil {
			return err
		}
	}
	if o.json {
		return writeJSON(o.a.stdout, struct {
			Transcripts []*transcriptReport `json:"transcripts"`
			OK          bool                `json:"ok"`
		}{reports, allOK(reports)})
	}
	if len(reports) > 1 {
		failed := 0
		for _, r := range reports {
			if !r.ok() {
				failed++
			}
		}
		fmt.Fprintf(o.a.stdout, "\n%d transcripts: %d passed, %d failed\n", len(reports), len(reports)-failed, failed)
	}
	return nil
}

func allOK(reports []*transcriptReport) bool {
	for _, r := range reports {
		if !r.ok() {
			return false
		}
	}
	return true
}

// The JUnit XML report, in the shape CI systems read (Jenkins, GitLab,
// GitHub Actions reporters): testsuites > testsuite > testcase > failure.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Failures  []junitFailure `xml:"failure"`
	Errors    []junitFailure `xml:"error"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// junitReport builds the report: one test case per transcript, one failure
// element per changed or failed call (with its diff), an error for a
// transcript whose tools could not be set up; the counts are of test cases.
func junitReport(reports []*transcriptReport, elapsed time.Duration) junitSuites {
	suite := junitSuite{Name: "glm-mcp replay", Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05"), Time: seconds(elapsed)}
	for _, r := range reports {
		tc := junitCase{Name: r.ID + " " + shorten(r.Title, 80), Classname: "replay." + r.Source, Time: seconds(r.Elapsed)}
		if r.Error != "" {
			tc.Errors = append(tc.Errors, junitFailure{Message: "the tools could not be set up", Type: "setup", Body: r.Error})
		}
		for _, c := range r.Calls {
			if c.Outcome != callChanged && c.Outcome != callFailed {
				continue
			}
			var b strings.Builder
			for _, ch := range c.Changes {
				fmt.Fprintln(&b, ch)
			}
			if c.Error != "" {
				fmt.Fprintln(&b, c.Error)
			}
			tc.Failures = append(tc.Failures, junitFailure{
				Message: fmt.Sprintf("%s %s %s", c.ID, c.Tool, c.Outcome), Type: c.Outcome, Body: b.String(),
			})
		}
		// Counted by test case, as JUnit counts them (a case with several
		// failed calls is one failed test); each call keeps its own element.
		suite.Tests++
		if len(tc.Errors) > 0 {
			suite.Errors++
		} else if len(tc.Failures) > 0 {
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return junitSuites{Name: "glm-mcp replay", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time, Suites: []junitSuite{suite}}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeJUnit writes the JUnit report to path.
func writeJUnit(path string, reports []*transcriptReport, elapsed time.Duration) error {
	b, err := xml.MarshalIndent(junitReport(reports, elapsed), "", "  ")
	if err != nil {
		return fmt.Errorf("encode the JUnit report: %w", err)
	}
	data := append([]byte(xml.Header), append(b, '\n')...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	return nil
}
