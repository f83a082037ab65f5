package raster

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDirectReadEqualsGDALTranslate checks the direct RasterIO path against
// gdal_translate bit for bit, on the windows a tile with a halo asks for
// (partly outside the sources, across mosaic files), and that windows GDAL
// would read with fractional offsets take gdal_translate's own path.
func TestDirectReadEqualsGDALTranslate(t *testing.T) {
	ctx := context.Background()
	s := makeScene(t)
	mosaic := []string{s.dsmA, s.dsmB}
	tests := []struct {
		name   string
		files  []string
		float  bool
		e      Extent
		res    float64
		method string
		direct bool
	}{
		{"uint8 average 0.5 halo top-left", []string{s.ortho}, false, Extent{354990, 4610000, 355050, 4610090}, 0.5, "average", true},
		{"uint8 average 0.5 halo bottom-right", []string{s.ortho}, false, Extent{355060, 4609990, 355110, 4610040}, 0.5, "average", true},
		{"uint8 nearest native halo", []string{s.ortho}, false, Extent{354995, 4609995, 355030, 4610030}, 0.25, "nearest", true},
		{"uint8 bilinear 1.0", []string{s.ortho}, false, Extent{355010, 4610010, 355090, 4610070}, 1, "bilinear", true},
		{"uint8 cubic 1.0 halo", []string{s.ortho}, false, Extent{354980, 4610010, 355040, 4610100}, 1, "cubic", true},
		{"float32 mosaic native halo", mosaic, true, Extent{355040, 4609990, 355110, 4610050}, 1, "nearest", true},
		{"float32 mosaic average 2 halo", mosaic, true, Extent{354990, 4609990, 355070, 4610090}, 2, "average", true},
		{"float32 mosaic bilinear 2", mosaic, true, Extent{355020, 4610010, 355080, 4610070}, 2, "bilinear", true},
		// A halo of one source pixel at 2× coarser: half an output pixel
		// outside, which GDAL weighs; its own path reads it.
		{"uint8 average 0.5 odd halo", []string{s.ortho}, false, Extent{354999.75, 4610000.25, 355050.25, 4610050.25}, 0.5, "average", false},
		{"uint8 cubic 0.75 unaligned", []string{s.ortho}, false, Extent{355003.3, 4610007.1, 355051.3, 4610055.1}, 0.75, "cubic", false},
		{"float32 refine 0.5", mosaic, true, Extent{355020, 4610010, 355080, 4610070}, 0.5, "bilinear", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := OpenMosaic(ctx, tc.files, MosaicOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			w := Window{Extent: tc.e, ResX: tc.res, ResY: tc.res, Method: tc.method}
			if _, ok := planDirect(m.Info(), w, tc.method); ok != tc.direct {
				t.Fatalf("direct read = %v, want %v", ok, tc.direct)
			}
			src := m.Info().Files[0]
			if len(m.Info().Files) > 1 {
				// A mosaic resamples as the one raster its files make up:
				// the reference is their merge, not a VRT (which resamples
				// file by file, kernels clamped at each file's edges).
				vrt := filepath.Join(t.TempDir(), "ref.vrt")
				gdal(t, "gdalbuildvrt", append([]string{"-q", vrt}, m.Info().Files...)...)
				src = filepath.Join(t.TempDir(), "merged.tif")
				gdal(t, "gdal_translate", "-q", vrt, src)
			}
			ref := filepath.Join(t.TempDir(), "ref.tif")
			gdal(t, "gdal_translate", "-q", "-projwin", ff(tc.e.MinX), ff(tc.e.MaxY), ff(tc.e.MaxX), ff(tc.e.MinY),
				"-tr", ff(tc.res), ff(tc.res), "-r", tc.method, src, ref)
			if tc.float {
				got, err := Read[float32](ctx, m, w)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ReadFile[float32](ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				equalImages(t, got, want, 0)
				if got.HasNoData != want.HasNoData || got.NoData != want.NoData || !got.CRS.Same(want.CRS) {
					t.Errorf("nodata %v %v CRS %v, want %v %v %v", got.NoData, got.HasNoData, got.CRS, want.NoData, want.HasNoData, want.CRS)
				}
				return
			}
			got, err := Read[uint8](ctx, m, w)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ReadFile[uint8](ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			equalImages(t, got, want, 0)
			if got.HasNoData != want.HasNoData || !got.CRS.Same(want.CRS) {
				t.Errorf("nodata %v CRS %v, want %v %v", got.HasNoData, got.CRS, want.HasNoData, want.CRS)
			}
		})
	}
}
