package plans

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows"
)

// rasterSpec is one raster file the plan tests write with GDAL.
type rasterSpec struct {
	path   string // relative to the scene directory
	epsg   int
	extent raster.Extent
	res    float64
	bands  int
	dsm    bool // float32 with nodata -9999, else uint8
}

// writeRasters writes real GeoTIFFs through raster (GDAL), with constant
// pixels, another constant per file (plan refuses epochs of identical data).
func writeRasters(t *testing.T, dir string, specs []rasterSpec) {
	t.Helper()
	ctx := context.Background()
	crss := map[int]raster.CRS{}
	for _, s := range specs {
		crs, ok := crss[s.epsg]
		if !ok {
			var err error
			crs, err = raster.CRSFromEPSG(s.epsg)
			if err != nil {
				t.Fatal(err)
			}
			crss[s.epsg] = crs
		}
		path := filepath.Join(dir, s.path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		g := raster.NorthUp(crs, s.extent, s.res, s.res)
		var err error
		if s.dsm {
			img := raster.NewImage[float32](g, s.bands)
			img.NoData, img.HasNoData = -9999, true
			for b := range img.Bands {
				for i := range img.Bands[b] {
					img.Bands[b][i] = 700 + float32(pathSum(s.path)%100)
				}
			}
			err = raster.WriteGeoTIFF(ctx, path, img)
		} else {
			img := raster.NewImage[uint8](g, s.bands)
			for b := range img.Bands {
				for i := range img.Bands[b] {
					img.Bands[b][i] = uint8(pathSum(s.path))
				}
			}
			err = raster.WriteGeoTIFF(ctx, path, img)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

var sceneExtent = raster.Extent{MinX: 356000, MinY: 4612000, MaxX: 357010, MaxY: 4613005}

func shifted(e raster.Extent, dx, dy float64) raster.Extent {
	return raster.Extent{MinX: e.MinX + dx, MinY: e.MinY + dy, MaxX: e.MaxX + dx, MaxY: e.MaxY + dy}
}

// baseScene is two epochs of RGB orthophotos at 1 m and DSMs at 1 m over
// 1010 × 1005 m.
func baseScene() map[string]rasterSpec {
	return map[string]rasterSpec{
		"ortho_t0": {path: "ortho_t0/a.tif", epsg: 32630, extent: sceneExtent, res: 1, bands: 3},
		"ortho_t1": {path: "ortho_t1/a.tif", epsg: 32630, extent: sceneExtent, res: 1, bands: 3},
		"dsm_t0":   {path: "dsm_t0/a.tif", epsg: 32630, extent: sceneExtent, res: 1, bands: 1, dsm: true},
		"dsm_t1":   {path: "dsm_t1/a.tif", epsg: 32630, extent: sceneExtent, res: 1, bands: 1, dsm: true},
	}
}

const planWorkflow = `variable "data" { default = "." }

dataset "plan-test" {
  title   = "Plan test"
  license = "CC0-1.0"
  version = "1.0.0"
}

source "orthophoto" "t0" {
  files    = ["${var.data}/ortho_t0/*.tif"]
  datetime = "2010-07-01T00:00:00Z"
}

source "orthophoto" "t1" {
  files    = ["${var.data}/ortho_t1/*.tif"]
  datetime = "2017-07-01T00:00:00Z"
}

source "dsm" "t0" {
  files = ["${var.data}/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["${var.data}/dsm_t1/*.tif"]
}

%s

tiling {
  size = %s
%s}

step "resample" "t0" {
  input      = source.orthophoto.t0
  resolution = 0.5
}

step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

step "threshold" "cd3d" {
  input   = step.difference.dh
  min_abs = 1
}

step "change_mask" "cd2d" {
  input      = step.threshold.cd3d
  resolution = 0.5
}

split {
  %s
  seed   = 42
}

publish "stac" "catalog" {}
publish "parquet" "stats" {}
`

type planCase struct {
	name    string
	change  func(map[string]rasterSpec)
	extra   []rasterSpec // more files
	blocks  string       // extra top-level blocks
	size    string       // tile size, default 200
	tiling  string       // more tiling attributes
	split   string       // default ratios 0.68/0.23/0.09
	files   map[string]string
	wantErr string // summary of the expected error
	errAt   string // text starting the line the error points at
	// When no error:
	tiles   int
	extent  raster.Extent
	first   string
	subsets []int
}

func (c planCase) setup(t *testing.T) (dir string, src string) {
	t.Helper()
	dir = t.TempDir()
	scene := baseScene()
	if c.change != nil {
		c.change(scene)
	}
	var specs []rasterSpec
	for _, k := range []string{"ortho_t0", "ortho_t1", "dsm_t0", "dsm_t1"} {
		if s, ok := scene[k]; ok {
			specs = append(specs, s)
		}
	}
	writeRasters(t, dir, append(specs, c.extra...))
	for name, content := range c.files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	size, split := c.size, c.split
	if size == "" {
		size = "200"
	}
	if split == "" {
		split = "ratios = { train = 0.68, test = 0.23, val = 0.09 }"
	}
	src = fmt.Sprintf(planWorkflow, c.blocks, size, c.tiling, split)
	writeFile(t, filepath.Join(dir, "workflow.hcl"), src)
	return dir, src
}

func lineOf(t *testing.T, src, prefix string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return 0
}

func TestPlan(t *testing.T) {
	aoi := `{"type": "FeatureCollection",
 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32630"}},
 "features": [{"type": "Feature", "properties": {},
   "geometry": {"type": "Polygon", "coordinates": [[[356100, 4612100], [356650, 4612100], [356650, 4612700], [356100, 4612100]]]}}]}`
	tests := []planCase{
		{name: "aligned", tiles: 25, extent: raster.Extent{MinX: 356000, MinY: 4612000, MaxX: 357000, MaxY: 4613000},
			first: "E356000_N4612800", subsets: []int{17, 6, 2}},
		{name: "epoch shifted east", change: func(s map[string]rasterSpec) {
			d := s["dsm_t1"]
			d.extent = shifted(sceneExtent, 300, 0)
			s["dsm_t1"] = d
		}, tiles: 15, extent: raster.Extent{MinX: 356400, MinY: 4612000, MaxX: 357000, MaxY: 4613000}, first: "E356400_N4612800", subsets: []int{10, 4, 1}},
		{name: "origin", tiling: "  origin = [50, 0]\n", tiles: 20,
			extent: raster.Extent{MinX: 356050, MinY: 4612000, MaxX: 356850, MaxY: 4613000}, first: "E356050_N4612800", subsets: []int{14, 4, 2}},
		{name: "mosaic of two files", change: func(s map[string]rasterSpec) {
			o := s["ortho_t0"]
			o.path, o.extent = "ortho_t0/west.tif", raster.Extent{MinX: 356000, MinY: 4612000, MaxX: 356500, MaxY: 4613005}
			s["ortho_t0"] = o
		}, extra: []rasterSpec{{path: "ortho_t0/east.tif", epsg: 32630, extent: raster.Extent{MinX: 356500, MinY: 4612000, MaxX: 357010, MaxY: 4613005}, res: 1, bands: 3}},
			tiles: 25, extent: raster.Extent{MinX: 356000, MinY: 4612000, MaxX: 357000, MaxY: 4613000}, first: "E356000_N4612800", subsets: []int{17, 6, 2}},
		{name: "aoi", files: map[string]string{"aoi.geojson": aoi},
			blocks: "source \"vector\" \"aoi\" {\n  files = [\"aoi.geojson\"]\n}\n", tiling: "  aoi = source.vector.aoi\n",
			tiles: 4, extent: raster.Extent{MinX: 356200, MinY: 4612200, MaxX: 356600, MaxY: 4612600}, first: "E356200_N4612400", subsets: []int{3, 1, 0}},
		{name: "counts", split: "counts = { train = 20, test = 5 }", tiles: 25,
			extent: raster.Extent{MinX: 356000, MinY: 4612000, MaxX: 357000, MaxY: 4613000}, first: "E356000_N4612800", subsets: []int{20, 5}},

		{name: "crs mismatch between epochs", change: func(s map[string]rasterSpec) {
			d := s["dsm_t1"]
			d.epsg = 32631
			s["dsm_t1"] = d
		}, wantErr: "Sources in different CRSs", errAt: `source "dsm" "t1"`},
		{name: "epochs do not overlap", change: func(s map[string]rasterSpec) {
			d := s["dsm_t1"]
			d.extent = shifted(sceneExtent, 10000, 0)
			s["dsm_t1"] = d
		}, wantErr: "Sources do not overlap", errAt: `source "dsm" "t1"`},
		{name: "kinds do not overlap", change: func(s map[string]rasterSpec) {
			for _, k := range []string{"dsm_t0", "dsm_t1"} {
				d := s[k]
				d.extent = shifted(sceneExtent, 0, -5000)
				s[k] = d
			}
		}, wantErr: "Sources do not overlap", errAt: `source "dsm" "t0"`},
		{name: "derived resolution does not divide the tile", change: func(s map[string]rasterSpec) {
			for _, k := range []string{"dsm_t0", "dsm_t1"} {
				d := s[k]
				d.res = 0.3
				d.extent.MaxX = d.extent.MinX + 0.3*3000
				d.extent.MaxY = d.extent.MinY + 0.3*3000
				s[k] = d
			}
		}, wantErr: "Tile size is not a multiple of the resolution", errAt: `step "difference" "dh"`},
		{name: "no whole tile", size: "2000", wantErr: "No whole tile fits", errAt: "size = 2000"},
		{name: "orthophoto not rgb", change: func(s map[string]rasterSpec) {
			o := s["ortho_t1"]
			o.bands = 1
			s["ortho_t1"] = o
		}, wantErr: "Orthophoto is not RGB", errAt: `source "orthophoto" "t1"`},
		{name: "more counts than tiles", split: "counts = { train = 20, test = 10 }", wantErr: "More tiles asked than the grid has", errAt: "counts ="},
		{name: "unreadable file", files: map[string]string{"dsm_t0/b.tif": "not a raster"},
			wantErr: "Cannot read source", errAt: `files = ["${var.data}/dsm_t0/*.tif"]`},
		{name: "aoi outside", files: map[string]string{"aoi.geojson": strings.ReplaceAll(aoi, "4612", "4622")},
			blocks: "source \"vector\" \"aoi\" {\n  files = [\"aoi.geojson\"]\n}\n", tiling: "  aoi = source.vector.aoi\n",
			wantErr: "AOI outside the sources", errAt: "aoi = source.vector.aoi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, src := tt.setup(t)
			w := mustLoad(t, filepath.Join(dir, "workflow.hcl"), workflows.InputValues{})
			p, diags := New(context.Background(), w, Options{})
			if tt.wantErr != "" {
				if p != nil {
					t.Fatalf("plan succeeded, want error %q", tt.wantErr)
				}
				wantLine := lineOf(t, src, tt.errAt)
				for _, d := range diags.Errs() {
					d := d.(*hcl.Diagnostic)
					if d.Summary == tt.wantErr && d.Subject != nil && d.Subject.Start.Line == wantLine {
						if d.Detail == "" {
							t.Errorf("diagnostic without a fix: %s", describeDiag(d))
						}
						return
					}
				}
				t.Fatalf("want error %q at line %d, got:\n%s", tt.wantErr, wantLine, diagText(diags))
			}
			if diags.HasErrors() {
				t.Fatalf("plan failed:\n%s", diagText(diags))
			}
			g := p.Grid
			if g.Count() != tt.tiles {
				t.Errorf("tile count = %d, want %d", g.Count(), tt.tiles)
			}
			if g.Extent != tt.extent {
				t.Errorf("extent = %v, want %v", g.Extent, tt.extent)
			}
			if !g.DataExtent.Contains(g.Extent) {
				t.Errorf("tiles %v stick out of the common extent %v", g.Extent, g.DataExtent)
			}
			tiles := g.Tiles()
			if len(tiles) != tt.tiles || tiles[0].ID != tt.first {
				t.Errorf("tiles: %d, first %q; want %d, first %q", len(tiles), tiles[0].ID, tt.tiles, tt.first)
			}
			seen := map[string]bool{}
			for _, tile := range tiles {
				if seen[tile.ID] {
					t.Errorf("duplicate tile id %s", tile.ID)
				}
				seen[tile.ID] = true
				if tile.Extent.Width() != 200 || tile.Extent.Height() != 200 || !g.Extent.Contains(tile.Extent) {
					t.Errorf("tile %s extent %v", tile.ID, tile.Extent)
				}
			}
			var counts []int
			for _, s := range p.Split {
				counts = append(counts, s.Count)
			}
			if !reflect.DeepEqual(counts, tt.subsets) {
				t.Errorf("split counts = %v, want %v", counts, tt.subsets)
			}
			if g.CRS.EPSG != 32630 {
				t.Errorf("grid CRS = %v", g.CRS)
			}
		})
	}
}

func TestTileID(t *testing.T) {
	g := TileGrid{Size: 200, Origin: [2]float64{0, 0}}
	tests := []struct {
		tmpl     string
		col, row int
		want     string
	}{
		{"", 1781, 23061, "E356200_N4612200"},
		{workflows.DefaultTileID, -3, 2, "E-600_N400"},
		{"{col}-{row}", 4, 5, "4-5"},
		{"x{maxx}_y{maxy}", 0, 0, "x200_y200"},
	}
	for _, tt := range tests {
		g.IDTemplate = tt.tmpl
		if got := g.Tile(tt.col, tt.row).ID; got != tt.want {
			t.Errorf("template %q tile (%d,%d) = %q, want %q", tt.tmpl, tt.col, tt.row, got, tt.want)
		}
	}
	g = TileGrid{Size: 0.5, Origin: [2]float64{0.25, 0}}
	if got := g.Tile(1, 1).ID; got != "E0.75_N0.5" {
		t.Errorf("fractional id = %q", got)
	}
}

func mustLoad(t *testing.T, path string, in workflows.InputValues) *workflows.Workflow {
	t.Helper()
	w, diags := workflows.NewParser(nil).Load(path, in)
	for _, d := range diags {
		t.Logf("%s", describeDiag(d))
	}
	if diags.HasErrors() {
		t.Fatalf("load %s: errors", path)
	}
	return w
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

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(describeDiag(d) + "\n")
	}
	return b.String()
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

func pathSum(p string) int {
	n := 0
	for i, c := range p {
		n += (i + 1) * int(c)
	}
	return n
}
