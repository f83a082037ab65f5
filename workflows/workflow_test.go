package workflows

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/plugins/changemask"
	"github.com/cdflow/cdflow/plugins/difference"
	"github.com/cdflow/cdflow/plugins/publish"
	"github.com/cdflow/cdflow/plugins/threshold"
	"github.com/cdflow/cdflow/workflows/internal/vars"
)

func mustLoad(t *testing.T, path string, in InputValues) *Workflow {
	t.Helper()
	p := NewParser(nil)
	p.AllowPaths = []string{"testdata/data"} // the fixtures' data, beside them
	w, diags := p.Load(path, in)
	for _, d := range diags {
		t.Logf("%s", describeDiag(d))
	}
	if diags.HasErrors() {
		t.Fatalf("load %s: errors", path)
	}
	return w
}

func TestLoadFull(t *testing.T) {
	w := mustLoad(t, "testdata/valid/full.hcl", InputValues{})

	var order []string
	for _, s := range w.Steps {
		order = append(order, s.Address().String())
	}
	// Every step after what it reads; ties in declaration order.
	wantOrder := []string{"step.difference.dh", "step.resample.t0", "step.resample.t1", "step.threshold.cd3d", "step.change_mask.cd2d"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("step order = %v, want %v", order, wantOrder)
	}

	d := w.Dataset
	if d.Name != "demo-3dcd" || d.Title != "DEMO 3" || d.Description != "Built for tests." || d.Version != "2.1.0-rc.1" {
		t.Errorf("dataset = %+v", d)
	}
	if !reflect.DeepEqual(d.Providers, []Provider{{Name: "Us", Roles: []string{"producer", "host"}, URL: "https://example.org"}}) {
		t.Errorf("providers = %+v", d.Providers)
	}

	t0 := w.Source("source.dsm.t0")
	if t0 == nil || len(t0.Files) != 1 || filepath.Base(filepath.Dir(t0.Files[0])) != "dsm_t0" {
		t.Fatalf("source.dsm.t0 = %+v", t0)
	}
	if !t0.Datetime.Equal(time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)) || t0.NoData == nil || *t0.NoData != -9999 {
		t.Errorf("source.dsm.t0 datetime %v nodata %v", t0.Datetime, t0.NoData)
	}
	t1 := w.Source("source.dsm.t1")
	if !t1.Datetime.Equal(time.Date(2017, 7, 1, 10, 0, 0, 0, time.UTC)) || t1.NoData != nil || len(t1.Files) != 1 {
		t.Errorf("source.dsm.t1 = %+v", t1)
	}

	if w.Tiling.Size != 200 || w.Tiling.Origin != [2]float64{50, 0} || w.Tiling.IDTemplate != "C{col}_R{row}" {
		t.Errorf("tiling = %+v", w.Tiling)
	}

	th := w.Step("step.threshold.cd3d").Impl.(*threshold.Step).Cfg
	if th.MinAbs != 1.5 || th.MinArea != 20 || th.OpeningRadius != 1 || th.ReviewField != "decision" ||
		th.Vegetation == nil || th.Vegetation.IndexName() != "vari" || th.Vegetation.Threshold() != 0.1 {
		t.Errorf("threshold config = %+v (vegetation %+v)", th, th.Vegetation)
	}
	if in := w.Step("step.threshold.cd3d").Input("review"); in == nil || in.From.String() != "source.vector.review" {
		t.Errorf("threshold review input = %+v", in)
	}
	diff := w.Step("step.difference.dh").Impl.(*difference.Step).Cfg
	if diff.Resolution == nil || *diff.Resolution != 2 || diff.Method != "cubic" {
		t.Errorf("difference config = %+v", diff)
	}
	if cm := w.Step("step.change_mask.cd2d").Impl.(*changemask.Step).Cfg; !cm.Signed || *cm.Resolution != 0.5 {
		t.Errorf("change_mask config = %+v", cm)
	}

	outs := map[string]plugins.Product{}
	for _, p := range w.Products() {
		outs[p.Product.Name] = p.Product
	}
	wantOuts := map[string]plugins.Product{
		"dh": {Name: "dh", Kind: plugins.ElevationDifference, Resolution: 2, DataType: "float32", Bands: 1},
		// Epochs come from the sources: the DSM windows and the resampled
		// orthophotos show one epoch each; ΔH and the change maps both.
		"dsm_t0": {Name: "dsm_t0", Kind: plugins.DSM, Resolution: 2, DataType: "float32", Bands: 1, Epoch: plugins.T0},
		"dsm_t1": {Name: "dsm_t1", Kind: plugins.DSM, Resolution: 2, DataType: "float32", Bands: 1, Epoch: plugins.T1},
		"t0":     {Name: "t0", Kind: plugins.Orthophoto, Resolution: 0.5, Epoch: plugins.T0},
		"t1":     {Name: "t1", Kind: plugins.Orthophoto, Resolution: 0.5, Epoch: plugins.T1},
		"cd3d":   {Name: "cd3d", Kind: plugins.ElevationChange, Resolution: 2, DataType: "float32", Bands: 1},
		"cd2d":   {Name: "cd2d", Kind: plugins.ChangeMask, Resolution: 0.5, DataType: "uint8", Bands: 1},
	}
	if !reflect.DeepEqual(outs, wantOuts) {
		t.Errorf("products = %+v\nwant %+v", outs, wantOuts)
	}

	s := w.Split
	wantSubsets := []Subset{{Name: "train", Count: 320}, {Name: "val", Count: 42}, {Name: "test", Count: 110}}
	if !s.ByCount || !reflect.DeepEqual(s.Subsets, wantSubsets) || s.Seed != 7 || s.Stratify != "none" || s.Block != 1000 || s.CoverRange != "train" || s.CoverMinPixels != 200 {
		t.Errorf("split = %+v", s)
	}

	if len(w.Publish) != 4 {
		t.Fatalf("publish = %d blocks, want 4", len(w.Publish))
	}
	if st := w.Publish[0].Config().(*publish.STAC); st.Catalog != "cat" || st.BaseURL != "https://data.example.org/cd" {
		t.Errorf("stac = %+v", st)
	}
	if pq := w.Publish[1].Config().(*publish.Parquet); pq.Items || !pq.Tiles || pq.Compression != "snappy" {
		t.Errorf("parquet = %+v", pq)
	}
	all := []plugins.Product{{Name: "t0", Kind: plugins.Orthophoto}, {Name: "t1", Kind: plugins.Orthophoto},
		{Name: "dh", Kind: plugins.ElevationDifference}, {Name: "cd3d", Kind: plugins.ElevationChange}, {Name: "cd2d", Kind: plugins.ChangeMask}}
	if got := w.Publish[3].Products(all); !reflect.DeepEqual(got, []string{"t0", "cd2d"}) {
		t.Errorf("folders products = %v", got)
	}
	// All but ΔH, which the 3D change map stands for.
	if got := w.Publish[0].Products(all); !reflect.DeepEqual(got, []string{"t0", "t1", "cd3d", "cd2d"}) {
		t.Errorf("stac products = %v, want all but dh", got)
	}
	if got := w.Publish[1].Products(all); got != nil {
		t.Errorf("parquet products = %v, want none", got)
	}
}

func TestLoadDirectory(t *testing.T) {
	w := mustLoad(t, "testdata/valid/multi", InputValues{})
	if len(w.Sources) != 2 || len(w.Steps) != 1 || w.Dataset.Name != "multi" {
		t.Fatalf("workflow = %+v", w)
	}
	if w.Dir != "testdata/valid/multi" {
		t.Errorf("dir = %q", w.Dir)
	}
}

// TestVariablePrecedence checks command line > var-file > environment > default.
func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	src := `
variable "a" { default = "default" }
variable "n" {
  type    = number
  default = 1
}
variable "l" {
  type    = list(string)
  default = []
}
dataset "d" { version = "1.0.0" }
`
	file1 := filepath.Join(dir, "one.hcl")
	file2 := filepath.Join(dir, "two.hcl")
	writeFile(t, file1, "a = \"file1\"\nn = 10\n")
	writeFile(t, file2, "a = \"file2\"\n")
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name  string
		in    InputValues
		a     string
		n     int
		from  string
		l     []string
		diags string // a substring of an expected error
	}{
		{name: "default", a: "default", n: 1, from: "default"},
		{name: "environment", in: InputValues{Getenv: env(map[string]string{"CDFLOW_VAR_a": "env", "CDFLOW_VAR_n": "2", "CDFLOW_VAR_l": `["x", "y"]`})},
			a: "env", n: 2, from: "environment", l: []string{"x", "y"}},
		{name: "file beats environment", in: InputValues{VarFiles: []string{file1}, Getenv: env(map[string]string{"CDFLOW_VAR_a": "env"})},
			a: "file1", n: 10, from: "var-file"},
		{name: "later file wins", in: InputValues{VarFiles: []string{file1, file2}}, a: "file2", n: 10, from: "var-file"},
		{name: "command line beats all", in: InputValues{Vars: []string{"a=cli1", "a=cli2", "n=3"}, VarFiles: []string{file1}, Getenv: env(map[string]string{"CDFLOW_VAR_a": "env"})},
			a: "cli2", n: 3, from: "command line"},
		{name: "value with equals sign", in: InputValues{Vars: []string{"a=x=y"}}, a: "x=y", n: 1, from: "command line"},
		{name: "bad number", in: InputValues{Vars: []string{"n=abc"}}, diags: `-var n: "abc" is not a valid number`},
		{name: "undeclared", in: InputValues{Vars: []string{"b=1"}}, diags: `-var sets "b" but the workflow declares no such variable`},
		{name: "malformed", in: InputValues{Vars: []string{"novalue"}}, diags: `is not of the form name=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.diags != "" {
				_, diags := NewParser(nil).LoadSource(filepath.Join(dir, "w.hcl"), []byte(src), tt.in)
				if !strings.Contains(diagText(diags), tt.diags) {
					t.Fatalf("diags = %v, want an error containing %q", diags, tt.diags)
				}
				return
			}
			vals, from := variablesOf(t, dir, src, tt.in)
			if from != tt.from {
				t.Errorf("a set from %q, want %q", from, tt.from)
			}
			if got := vals["a"].AsString(); got != tt.a {
				t.Errorf("a = %q, want %q", got, tt.a)
			}
			if got, _ := vals["n"].AsBigFloat().Int64(); int(got) != tt.n {
				t.Errorf("n = %d, want %d", got, tt.n)
			}
			var l []string
			for _, v := range vals["l"].AsValueSlice() {
				l = append(l, v.AsString())
			}
			if !reflect.DeepEqual(l, tt.l) {
				t.Errorf("l = %v, want %v", l, tt.l)
			}
		})
	}
}

// variablesOf assigns variables without the rest of the workflow's checks.
func variablesOf(t *testing.T, dir, src string, in InputValues) (map[string]cty.Value, string) {
	t.Helper()
	p := NewParser(nil)
	f, diags := p.hcl.ParseHCL([]byte(src), filepath.Join(dir, "w.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cfg, _ := p.decodeStructure([]*hcl.File{f}, dir)
	if ds := vars.Assign(cfg.variables, in, p.hcl.ParseHCLFile); ds.HasErrors() {
		t.Fatal(ds)
	}
	vals := map[string]cty.Value{}
	from := ""
	for _, v := range cfg.variables {
		vals[v.Name] = v.Value
		if v.Name == "a" {
			from = v.ValueFrom
		}
	}
	return vals, from
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSubsetCounts(t *testing.T) {
	tests := []struct {
		name   string
		ratios []float64
		n      int
		want   []int
	}{
		{"3dcd", []float64{0.678, 0.233, 0.089}, 472, []int{320, 110, 42}},
		{"3dcd rounded ratios", []float64{0.68, 0.23, 0.09}, 472, []int{321, 109, 42}},
		{"largest remainder", []float64{0.68, 0.23, 0.09}, 25, []int{17, 6, 2}},
		{"ties go to the first written", []float64{0.5, 0.5}, 3, []int{2, 1}},
		{"no tiles", []float64{0.7, 0.3}, 0, []int{0, 0}},
		{"thirds", []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, 10, []int{4, 3, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Split{}
			for i, r := range tt.ratios {
				s.Subsets = append(s.Subsets, Subset{Name: string(rune('a' + i)), Ratio: r})
			}
			got := s.SubsetCounts(tt.n)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SubsetCounts(%d) = %v, want %v", tt.n, got, tt.want)
			}
			sum := 0
			for _, c := range got {
				sum += c
			}
			if sum != tt.n {
				t.Errorf("sizes sum to %d, want %d", sum, tt.n)
			}
		})
	}
	s := &Split{ByCount: true, Subsets: []Subset{{Name: "train", Count: 320}, {Name: "test", Count: 110}}}
	if got := s.SubsetCounts(1000); !reflect.DeepEqual(got, []int{320, 110}) {
		t.Errorf("counts split = %v", got)
	}
}

func TestParseAddress(t *testing.T) {
	for _, s := range []string{"var.data", "local.x", "source.dsm.t0", "step.threshold.cd3d"} {
		a, err := ParseAddress(s)
		if err != nil || a.String() != s {
			t.Errorf("ParseAddress(%q) = %v, %v", s, a, err)
		}
	}
	for _, s := range []string{"", "var", "source.dsm", "step.a.b.c", "thing.a"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("ParseAddress(%q) succeeded", s)
		}
	}
}

// diagText is every diagnostic, one per line, for substring checks.
func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(describeDiag(d) + "\n")
	}
	return b.String()
}

// TestExample3DCDSplit: the split blocks of the 3DCD examples give the
// paper's 320/110/42 for its 472 tiles, and cover train's ΔH bins from 50
// changed pixels.
func TestExample3DCDSplit(t *testing.T) {
	block := regexp.MustCompile(`(?ms)^split \{.*?^\}`)
	for _, name := range []string{"workflow.hcl", "workflow-lidar.hcl"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "examples", "3dcd", name))
			if err != nil {
				t.Fatal(err)
			}
			split := block.Find(b)
			if split == nil {
				t.Fatal("no split block")
			}
			src := `dataset "d" { version = "1.0.0" }
source "dsm" "t0" { files = ["../data/dsm_t0/*.tif"] }
tiling { size = 200 }
step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}
publish "stac" "catalog" {}
` + string(split)
			p := NewParser(nil)
			p.AllowPaths = []string{"testdata/data"}
			w, diags := p.LoadSource("testdata/valid/split.hcl", []byte(src), InputValues{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := w.Split.SubsetCounts(472); !reflect.DeepEqual(got, []int{320, 110, 42}) {
				t.Errorf("472 tiles split %v, want [320 110 42]", got)
			}
			if w.Split.CoverRange != "train" || w.Split.CoverMinPixels != 50 {
				t.Errorf("cover %q from %d pixels, want train from 50", w.Split.CoverRange, w.Split.CoverMinPixels)
			}
		})
	}
}
