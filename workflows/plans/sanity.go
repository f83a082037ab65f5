package plans

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// checkEpochs refuses inputs that would publish a wrong release without a
// word: the same data for both epochs, DSMs not in metres, epochs whose
// pixel grids are offset by a fraction of a pixel, and sources off the tile grid.
func checkEpochs(sources []*Source, origin [2]float64) hcl.Diagnostics {
	var diags hcl.Diagnostics
	byKind := map[plugins.Kind][2]*Source{}
	for _, ps := range sources {
		if !ps.Kind.HasEpoch() || ps.Epoch == plugins.NoEpoch {
			continue
		}
		pair := byKind[ps.Kind]
		if pair[ps.Epoch-1] == nil {
			pair[ps.Epoch-1] = ps
		}
		byKind[ps.Kind] = pair
	}
	for _, ps := range sources {
		if ps.Kind == plugins.DSM {
			diags = append(diags, checkUnits(ps)...)
		}
	}
	for _, k := range []plugins.Kind{plugins.Orthophoto, plugins.DSM, plugins.PointCloud} {
		pair := byKind[k]
		if pair[0] == nil || pair[1] == nil {
			continue
		}
		if d := sameData(pair[0], pair[1]); d != nil {
			diags = append(diags, d)
			continue
		}
		if !k.IsRaster() {
			continue
		}
		if off, ok := gridOffset(pair[0].Raster, pair[1].Raster); !ok {
			diags = append(diags, errorf(pair[1].DeclRange, "Epochs on offset pixel grids",
				"%s's pixels are offset by %s from %s's, a fraction of a pixel: every ΔH would compare resampled heights, and the tiles at the edges are lost; align it with gdalwarp -tr %g %g -tap (or the other's origin).",
				pair[1].Address(), off, pair[0].Address(), pair[0].Raster.ResX, pair[0].Raster.ResY))
		}
	}
	if diags.HasErrors() {
		return diags
	}
	// Every product is cut on the tile grid: a source whose pixel edges miss
	// it by a fraction of a pixel is resampled in every tile, and sources
	// off by different amounts (DSMs half a pixel from the orthophotos) give
	// 2D and 3D maps that do not line up. Epochs of different resolutions
	// are resampled on purpose (a 10 m DEM refined to 2 m), so they are not
	// held to it.
	for _, ps := range sources {
		if !ps.Kind.IsRaster() || ps.Epoch == plugins.NoEpoch {
			continue
		}
		r := ps.Raster
		if pair := byKind[ps.Kind]; pair[0] != nil && pair[1] != nil && (pair[0].Raster.ResX != pair[1].Raster.ResX || pair[0].Raster.ResY != pair[1].Raster.ResY) {
			continue
		}
		grid := raster.Info{ResX: r.ResX, ResY: r.ResY}
		grid.GeoTransform = [6]float64{origin[0], r.ResX, 0, origin[1], 0, -r.ResY}
		if off, ok := gridOffset(grid, r); !ok {
			diags = append(diags, warningf(ps.DeclRange, "Pixels off the tile grid",
				"%s's pixels are offset by %s from the tile grid (origin %g, %g): every tile resamples them, and the 2D and 3D maps are that far from sources on the grid. Align the files with gdalwarp -tr %g %g -tap, or set tiling's origin to their pixel corner if all sources share it.",
				ps.Address(), off, origin[0], origin[1], r.ResX, r.ResY))
		}
	}
	return diags
}

// gridOffset says how far b's pixel edges lie from a's, modulo the coarser
// pixel; ok when they coincide (or one grid is a whole multiple of the other).
func gridOffset(a, b raster.Info) (string, bool) {
	res := math.Max(math.Max(a.ResX, b.ResX), math.Max(a.ResY, b.ResY))
	fine := math.Min(math.Min(a.ResX, b.ResX), math.Min(a.ResY, b.ResY))
	if res <= 0 || fine <= 0 || math.Abs(res/fine-math.Round(res/fine)) > 1e-6 {
		return "", true // grids of unrelated sizes are warped anyway
	}
	frac := func(v float64) float64 {
		m := math.Mod(v, fine)
		if m < 0 {
			m += fine
		}
		return math.Min(m, fine-m)
	}
	dx, dy := frac(b.GeoTransform[0]-a.GeoTransform[0]), frac(b.GeoTransform[3]-a.GeoTransform[3])
	// Below a hundredth of a pixel it is georeferencing noise (real DEMs
	// carry millimetres of it), not a misalignment.
	if dx < 0.01*fine && dy < 0.01*fine {
		return "", true
	}
	return fmt.Sprintf("%g m east-west and %g m north-south", dx, dy), false
}

// sameData reports both epochs reading the same files: the same paths,
// links to one file, or copies with identical bytes.
func sameData(t0, t1 *Source) *hcl.Diagnostic {
	f0, f1 := t0.Files, t1.Files
	if len(f0) == 0 || len(f0) != len(f1) {
		return nil
	}
	same := 0
	how := ""
	for i := range f0 {
		a, errA := os.Stat(f0[i])
		b, errB := os.Stat(f1[i])
		switch {
		case errA != nil || errB != nil:
			return nil
		case os.SameFile(a, b):
			how = fmt.Sprintf("%s and %s are the same file", f0[i], f1[i])
		case a.Size() == b.Size() && sameBytes(f0[i], f1[i]):
			how = fmt.Sprintf("%s and %s hold the same bytes", f0[i], f1[i])
		default:
			return nil
		}
		same++
	}
	return errorf(t1.DeclRange, "Both epochs read the same data",
		"%s reads what %s reads (%s): the change between them is nothing everywhere. Point %s at the other epoch's files.", t1.Address(), t0.Address(), how, t1.Address())
}

// sameBytes compares two files of one size, stopping at the first difference.
func sameBytes(a, b string) bool {
	fa, err := os.Open(a)
	if err != nil {
		return false
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, errA := io.ReadFull(fa, ba)
		nb, errB := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if errA != nil || errB != nil {
			return errA == errB || na == nb
		}
	}
}

// checkUnits wants DSM heights in metres: a unit the file declares other
// than metres is an error (cdflow does not guess conversions), integers
// without a scale a warning (whole metres, or decimetres misread?).
func checkUnits(ps *Source) hcl.Diagnostics {
	if len(ps.Raster.Files) == 0 {
		return nil
	}
	unit, err := raster.BandUnit(ps.Raster.Files[0])
	if err != nil {
		return nil // the file was read already; the run will say what fails
	}
	f, known := raster.MetreFactor(unit)
	switch {
	case !known:
		return hcl.Diagnostics{errorf(ps.DeclRange, "DSM in an unknown unit",
			"%s declares its heights in %q; cdflow needs metres: convert with gdal_translate -scale, or set the unit to m with gdal_edit.py -units m if they are metres.", ps.Address(), unit)}
	case f != 1:
		return hcl.Diagnostics{errorf(ps.DeclRange, "DSM not in metres",
			"%s declares its heights in %s; cdflow needs metres: convert with gdal_translate -scale 0 1 0 %g -a_offset 0 (and -units m).", ps.Address(), unit, f)}
	}
	integer := strings.HasPrefix(ps.Raster.DataType, "int") || strings.HasPrefix(ps.Raster.DataType, "uint")
	if integer && ps.Raster.Scale == 1 && ps.Raster.Offset == 0 {
		return hcl.Diagnostics{warningf(ps.DeclRange, "Integer DSM without a scale",
			"%s holds %s heights and declares no scale, so they are read as whole metres. If they are decimetres or centimetres, declare it (gdal_edit.py -scale 0.1) or convert them; the run stops if most tiles then show implausible changes.", ps.Address(), ps.Raster.DataType)}
	}
	return nil
}
