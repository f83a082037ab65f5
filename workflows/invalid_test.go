package workflows

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	_ "github.com/cdflow/cdflow/plugins/standard"
)

// expectation is one `# ERROR: line:col text` (or `# WARNING:`) comment of
// a fixture: a diagnostic of that severity must start exactly at line:col
// and its summary or detail must contain text.
type expectation struct {
	severity  hcl.DiagnosticSeverity
	line, col int
	text      string
}

var expectationLine = regexp.MustCompile(`^#\s*(ERROR|WARNING):\s*(\d+):(\d+)\s+(.+)$`)

func readExpectations(t *testing.T, path string) []expectation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectation
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := expectationLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		e := expectation{severity: hcl.DiagError, text: strings.TrimSpace(m[4])}
		if m[1] == "WARNING" {
			e.severity = hcl.DiagWarning
		}
		e.line, _ = strconv.Atoi(m[2])
		e.col, _ = strconv.Atoi(m[3])
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func describeDiag(d *hcl.Diagnostic) string {
	sev := "ERROR"
	if d.Severity == hcl.DiagWarning {
		sev = "WARNING"
	}
	pos := "-:-"
	if d.Subject != nil {
		pos = fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return fmt.Sprintf("%s: %s %s: %s", sev, pos, d.Summary, d.Detail)
}

// TestInvalidWorkflows loads every fixture in testdata/invalid and checks
// that it produces exactly the diagnostics its comments expect: same
// severity, same start line and column, and the expected text.
func TestInvalidWorkflows(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("found %d invalid fixtures, want at least 15", len(files))
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".hcl"), func(t *testing.T) {
			want := readExpectations(t, path)
			if len(want) == 0 {
				t.Fatal("fixture declares no # ERROR: or # WARNING: expectation")
			}
			_, diags := NewParser(nil).Load(path, InputValues{})
			matched := make([]bool, len(want))
			for _, d := range diags {
				if d.Summary == "" || d.Detail == "" {
					t.Errorf("diagnostic without summary or detail: %s", describeDiag(d))
				}
				found := false
				for i, e := range want {
					if matched[i] || d.Severity != e.severity || d.Subject == nil {
						continue
					}
					if d.Subject.Start.Line != e.line || d.Subject.Start.Column != e.col {
						continue
					}
					if !strings.Contains(d.Summary+": "+d.Detail, e.text) {
						continue
					}
					matched[i], found = true, true
					break
				}
				if !found {
					t.Errorf("unexpected diagnostic\n\t%s", describeDiag(d))
				}
			}
			for i, e := range want {
				if !matched[i] {
					t.Errorf("missing diagnostic at %d:%d containing %q", e.line, e.col, e.text)
				}
			}
			if t.Failed() {
				for _, d := range diags {
					t.Logf("got %s", describeDiag(d))
				}
			}
		})
	}
}
