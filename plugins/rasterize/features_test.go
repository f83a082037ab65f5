package rasterize

import (
	"math"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// pt is one point for cellFeatures: where, its class, return number and
// number of returns.
type pt struct {
	x, y        float64
	class, r, n uint8
}

func points(ps ...pt) *plugins.PointSet {
	s := &plugins.PointSet{}
	for _, p := range ps {
		s.X, s.Y, s.Z = append(s.X, p.x), append(s.Y, p.y), append(s.Z, 10)
		s.Class, s.ReturnNumber, s.NumberOfReturns = append(s.Class, p.class), append(s.ReturnNumber, p.r), append(s.NumberOfReturns, p.n)
	}
	return s
}

func TestCellFeatures(t *testing.T) {
	// A 2×1 grid of 1 m cells from (0, 1): cell 0 is x in [0, 1), cell 1 [1, 2).
	g := raster.Grid{GeoTransform: [6]float64{0, 1, 0, 1, 0, -1}, Width: 2, Height: 1}
	tests := []struct {
		name           string
		pts            *plugins.PointSet
		building, mult [2]float32
	}{
		{"empty: nodata", points(), [2]float32{NoData, NoData}, [2]float32{NoData, NoData}},
		{"roof: single returns of class 6", points(pt{0.2, 0.5, 6, 1, 1}, pt{0.7, 0.5, 6, 1, 1}), [2]float32{1, NoData}, [2]float32{0, NoData}},
		{"roof with an edge pulse", points(pt{0.2, 0.5, 6, 1, 1}, pt{0.7, 0.5, 6, 1, 2}, pt{0.7, 0.5, 2, 2, 2}),
			[2]float32{2.0 / 3, NoData}, [2]float32{0.5, NoData}},
		// A crown's pulse split in three counts once: by its first return.
		{"crown: pulses, not points", points(pt{1.5, 0.5, 5, 1, 3}, pt{1.5, 0.5, 5, 2, 3}, pt{1.5, 0.5, 2, 3, 3}, pt{1.2, 0.5, 5, 1, 1}),
			[2]float32{NoData, 0}, [2]float32{NoData, 0.5}},
		{"unset return number is a first return", points(pt{0.5, 0.5, 1, 0, 0}), [2]float32{0, NoData}, [2]float32{0, NoData}},
		// A source keeping last returns has no first return of a split
		// pulse: its last returns count the pulses.
		{"last returns only", points(pt{0.5, 0.5, 2, 2, 2}, pt{0.5, 0.5, 2, 3, 3}, pt{0.5, 0.5, 2, 1, 1}, pt{0.6, 0.5, 6, 1, 1}),
			[2]float32{0.25, NoData}, [2]float32{0.5, NoData}},
		// All returns: the first ones count, the second of a pulse does not.
		{"all returns", points(pt{0.5, 0.5, 5, 1, 2}, pt{0.5, 0.5, 2, 2, 2}, pt{0.6, 0.5, 6, 1, 1}),
			[2]float32{1.0 / 3, NoData}, [2]float32{0.5, NoData}},
		{"no pulse representative: the points count", points(pt{0.5, 0.5, 2, 2, 3}, pt{1.5, 0.5, 5, 1, 2}), [2]float32{0, 0}, [2]float32{1, 1}},
		{"outside and NaN skipped", points(pt{-0.5, 0.5, 6, 1, 1}, pt{2, 0.5, 6, 1, 1}, pt{math.NaN(), 0.5, 6, 1, 1}, pt{1.5, 0.5, 1, 1, 1}),
			[2]float32{NoData, 0}, [2]float32{NoData, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cellFeatures(g, tt.pts, NoData)
			if err != nil {
				t.Fatal(err)
			}
			for c := range 2 {
				if !near(got[BandBuilding][c], tt.building[c]) || !near(got[BandMulti][c], tt.mult[c]) {
					t.Errorf("cell %d: building %g multi %g, want %g %g", c, got[BandBuilding][c], got[BandMulti][c], tt.building[c], tt.mult[c])
				}
			}
		})
	}
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 }

func TestCellFeaturesWithoutAttributes(t *testing.T) {
	g := raster.Grid{GeoTransform: [6]float64{0, 1, 0, 1, 0, -1}, Width: 1, Height: 1}
	_, err := cellFeatures(g, &plugins.PointSet{X: []float64{0.5}, Y: []float64{0.5}, Z: []float64{1}}, NoData)
	if err == nil || !strings.Contains(err.Error(), "no class or returns") {
		t.Errorf("err = %v", err)
	}
}

func TestOutputsFeatures(t *testing.T) {
	s := New()
	s.Cfg.Resolution = 1
	if out, _ := s.Outputs(nil); len(out) != 1 || out[0].Kind != plugins.DSM {
		t.Fatalf("without features: %+v", out)
	}
	s.Cfg.Features = true
	s.SetName("dsm_t1")
	out, problems := s.Outputs(nil)
	if len(problems) > 0 {
		t.Fatalf("problems %+v", problems)
	}
	want := plugins.Product{Name: "dsm_t1_points", Kind: plugins.PointFeatures, Resolution: 1, DataType: "float32", Bands: 2}
	if len(out) != 2 || out[0].Kind != plugins.DSM || out[1] != want {
		t.Fatalf("outputs %+v, want the DSM then %+v", out, want)
	}
	title, roles := s.DescribeProduct(out[1])
	if !strings.Contains(title, "building (ASPRS 6)") || !strings.Contains(title, "more than one return") || len(roles) != 1 || roles[0] != plugins.RoleData {
		t.Errorf("features described as %q %v", title, roles)
	}
	if title, _ := s.DescribeProduct(plugins.Product{Name: "dsm_t1", Kind: plugins.DSM, Resolution: 1}); !strings.HasPrefix(title, "DSM dsm_t1") {
		t.Errorf("DSM described as %q", title)
	}
}
