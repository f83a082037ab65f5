package workflows

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/workflows/internal/hcldecode"
)

// FuzzDecode feeds arbitrary text to the decoder, as a workflow file beside
// the test fixtures' data. Whatever the input, loading must not panic, must
// return a workflow exactly when there is no error, and every diagnostic
// must say what is wrong and point inside the file. The seed corpus is the
// fixtures plus testdata/fuzz/FuzzDecode, which `go test` also runs as
// regression cases.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"testdata/invalid/*.hcl", "testdata/valid/*.hcl", "../examples/3dcd/*.hcl"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	name := filepath.Join("testdata", "invalid", "fuzz.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		p := NewParser(nil)
		w, diags := p.LoadSource(name, src, InputValues{Vars: []string{"data=../data"}})
		if diags.HasErrors() != (w == nil) {
			t.Fatalf("errors %v but workflow %v", diags.HasErrors(), w != nil)
		}
		for _, d := range diags {
			if d.Summary == "" {
				t.Errorf("diagnostic without summary: %+v", d)
			}
			if d.Subject == nil || d.Subject.Filename != name {
				continue
			}
			if r := d.Subject; r.Start.Byte < 0 || r.Start.Byte > r.End.Byte || r.End.Byte > len(src) {
				t.Errorf("diagnostic %q has range %v outside the %d-byte file", d.Summary, r, len(src))
			}
		}
		if w == nil {
			return
		}
		for _, s := range w.Steps {
			_ = hcldecode.ConfigMap(s.Config())
			// Every step writes products, unless its plugin writes none (qa).
			if outs, _ := s.Impl.Outputs(map[string]plugins.Product{}); len(s.Outputs) == 0 && len(outs) > 0 {
				t.Errorf("valid workflow with step %s without products", s.Address())
			}
		}
		if w.Split != nil {
			counts := w.Split.SubsetCounts(100)
			if len(counts) != len(w.Split.Subsets) {
				t.Errorf("split counts %v for %d subsets", counts, len(w.Split.Subsets))
			}
		}
	})
}
