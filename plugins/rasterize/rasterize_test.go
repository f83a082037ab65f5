package rasterize

import (
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // one substring per problem, in order
	}{
		{"tin defaults", Config{Resolution: 1, Method: "tin"}, nil},
		{"tin with max_edge", Config{Resolution: 1, Method: "tin", MaxEdge: f(20)}, nil},
		{"max with fill_holes", Config{Resolution: 1, Method: "max", FillHoles: i(2)}, nil},
		{"idw complete", Config{Resolution: 1, Method: "idw", Radius: f(2), Power: f(1), MinPoints: i(3), MaxPoints: i(12)}, nil},
		{"unknown method", Config{Resolution: 1, Method: "kriging"}, []string{`"kriging" is not a rasterization method`}},
		{"misspelt method", Config{Resolution: 1, Method: "tim"}, []string{`did you mean "tin"`}},
		{"no resolution", Config{Method: "tin"}, []string{"resolution"}},
		{"idw without radius", Config{Resolution: 1, Method: "idw"}, []string{"radius = 2"}},
		{"max_edge on max", Config{Resolution: 1, Method: "max", MaxEdge: f(5)}, []string{"max_edge applies to method tin"}},
		{"radius on tin", Config{Resolution: 1, Method: "tin", Radius: f(5)}, []string{"radius applies to method idw"}},
		{"fill_holes on tin", Config{Resolution: 1, Method: "tin", FillHoles: i(1)}, []string{"fill_holes applies to method max or min or mean or idw"}},
		{"negative max_edge", Config{Resolution: 1, Method: "tin", MaxEdge: f(-1)}, []string{"max_edge must be a positive length"}},
		{"zero power", Config{Resolution: 1, Method: "idw", Radius: f(2), Power: f(0)}, []string{"power must be a positive"}},
		{"negative min_points", Config{Resolution: 1, Method: "idw", Radius: f(2), MinPoints: i(-1)}, []string{"min_points cannot be negative"}},
		{"negative halo", Config{Resolution: 1, Method: "tin", Halo: f(-3)}, []string{"halo cannot be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&Step{Cfg: tt.cfg}).Validate()
			if len(got) != len(tt.want) {
				t.Fatalf("problems %+v, want %d", got, len(tt.want))
			}
			for k, w := range tt.want {
				if msg := got[k].Summary + ": " + got[k].Detail; !strings.Contains(msg, w) {
					t.Errorf("problem %q does not say %q", msg, w)
				}
			}
		})
	}
}

func TestHalo(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		res  float64
		want float64
	}{
		{"tin: 50 cells", Config{Method: "tin"}, 1, 50},
		{"tin: twice max_edge", Config{Method: "tin", MaxEdge: f(15)}, 1, 30},
		{"idw: the radius", Config{Method: "idw", Radius: f(4)}, 1, 4},
		{"idw: radius and fill_holes", Config{Method: "idw", Radius: f(4), FillHoles: i(3)}, 0.5, 5.5},
		{"max: nothing", Config{Method: "max"}, 1, 0},
		{"max: fill_holes cells", Config{Method: "max", FillHoles: i(2)}, 2, 4},
		{"declared", Config{Method: "tin", MaxEdge: f(15), Halo: f(7)}, 1, 7},
	}
	for _, tt := range tests {
		if got := (&Step{Cfg: tt.cfg}).Halo(tt.res); got != tt.want {
			t.Errorf("%s: halo %g, want %g", tt.name, got, tt.want)
		}
	}
}
