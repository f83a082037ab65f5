package plugins

import "testing"

func TestFindingFlag(t *testing.T) {
	tests := []struct {
		f    Finding
		want string
	}{
		{Finding{Check: "stripes", Input: "dsm_t1", Value: 0.0035}, "stripes:dsm_t1:0.0035"},
		{Finding{Check: "voids", Input: "ortho_t0", Value: 1}, "voids:ortho_t0:1"},
		{Finding{Check: "voids", Input: "ortho_t0", Value: 1.0 / 640000}, "voids:ortho_t0:0.000002"},
		{Finding{Check: "voids", Input: "ortho_t0", Value: 1e-9}, "voids:ortho_t0:0.000001"},
		{Finding{Check: "bias", Input: "dsm_t1", Value: 0.30449, Unit: "m"}, "bias:dsm_t1:0.304"},
		{Finding{Check: "bias", Input: "dsm_t1", Value: -0.0001, Unit: "m"}, "bias:dsm_t1:0"},
		{Finding{Check: "shift", Input: "dsm_t1", Value: 0.5, Unit: "m"}, "shift:dsm_t1:0.5"},
		// The unit decides, not the check's name: a fraction named "bias" keeps 6 decimals.
		{Finding{Check: "bias", Input: "x", Value: 0.0001234}, "bias:x:0.000123"},
		{Finding{Check: "slope", Input: "dsm", Value: 12.34567, Unit: "deg"}, "slope:dsm:12.346"},
	}
	for _, tt := range tests {
		if got := tt.f.Flag(); got != tt.want {
			t.Errorf("%+v: flag %q, want %q", tt.f, got, tt.want)
		}
	}
}
