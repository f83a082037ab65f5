package execute

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/preview"
	"github.com/cdflow/cdflow/raster"
)

// bandInfos summarises every band. The statistics are exactly those of a
// plain float64 pass over the valid pixels (min, max, then mean and
// standard deviation from the running sums), computed faster: 8-bit bands
// through a 256-bin histogram, whose integer sums are exact; others with
// comparisons in the pixel type rather than math.Min/Max per pixel.
func bandInfos[T raster.Pixel](img *raster.Image[T]) []plugins.BandInfo {
	out := make([]plugins.BandInfo, len(img.Bands))
	for b, px := range img.Bands {
		var n int
		var lo, hi, sum, sumSq float64
		if u8, ok := any(px).([]uint8); ok {
			n, lo, hi, sum, sumSq = uint8Sums(u8, img.HasNoData, img.NoData)
		} else {
			n, lo, hi, sum, sumSq = pixelSums(px, img.HasNoData, img.NoData)
		}
		bi := plugins.BandInfo{Min: lo, Max: hi}
		if img.HasNoData {
			nd := img.NoData
			bi.NoData = &nd
		}
		if n > 0 {
			bi.Mean = sum / float64(n)
			bi.StdDev = math.Sqrt(math.Max(0, sumSq/float64(n)-bi.Mean*bi.Mean))
		} else {
			bi.Min, bi.Max = math.NaN(), math.NaN()
		}
		bi.ValidPercent = 100 * float64(n) / float64(len(px))
		out[b] = bi
	}
	return out
}

// uint8Sums is pixelSums for bytes, from a histogram: every sum is of
// integers below 2⁵³, so exact in any order.
func uint8Sums(px []uint8, hasND bool, nd float64) (n int, lo, hi, sum, sumSq float64) {
	// Four histograms, a pixel in turn to each: one count's increment would
	// wait for the last one's store whenever neighbours are equal, as most
	// of a change mask's are.
	var part [4][256]int
	i := 0
	for ; i+4 <= len(px); i += 4 {
		q := px[i : i+4 : i+4]
		part[0][q[0]]++
		part[1][q[1]]++
		part[2][q[2]]++
		part[3][q[3]]++
	}
	for _, v := range px[i:] {
		part[0][v]++
	}
	var hist [256]int
	for v := range hist {
		hist[v] = part[0][v] + part[1][v] + part[2][v] + part[3][v]
	}
	if hasND && nd >= 0 && nd <= 255 && nd == math.Trunc(nd) {
		hist[int(nd)] = 0
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for v, c := range hist {
		if c == 0 {
			continue
		}
		f := float64(v)
		n += c
		sum += f * float64(c)
		sumSq += f * f * float64(c)
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	return n, lo, hi, sum, sumSq
}

func pixelSums[T raster.Pixel](px []T, hasND bool, nd float64) (n int, lo, hi, sum, sumSq float64) {
	ndT := T(nd)
	// A nodata value the pixel type cannot hold matches no pixel.
	hasND = hasND && float64(ndT) == nd
	var tlo, thi T
	for _, v := range px {
		if v != v || (hasND && v == ndT) { // NaN, or nodata
			continue
		}
		f := float64(v)
		sum += f
		sumSq += f * f
		if n == 0 {
			tlo, thi = v, v
		} else if v < tlo || (v == 0 && tlo == 0 && math.Signbit(f)) { // math.Min keeps −0
			tlo = v
		} else if v > thi || (v == 0 && thi == 0 && !math.Signbit(f)) { // math.Max keeps +0
			thi = v
		}
		n++
	}
	if n == 0 {
		return 0, math.Inf(1), math.Inf(-1), 0, 0
	}
	return n, float64(tlo), float64(thi), sum, sumSq
}

// productAsset describes a written product from its cropped image.
func productAsset(p *plugins.TileProduct, e raster.Extent) (plugins.Asset, error) {
	a := plugins.Asset{Name: p.Name, Path: p.Path, Kind: p.Kind, Epoch: p.Epoch, MediaType: plugins.MediaCOG, DataType: p.DataType}
	if p.Float32 != nil {
		img, err := raster.Crop(p.Float32, e)
		if err != nil {
			return a, err
		}
		a.Grid, a.Bands, a.DataType = img.Grid, bandInfos(img), "float32"
	} else {
		img, err := raster.Crop(p.Uint8, e)
		if err != nil {
			return a, err
		}
		a.Grid, a.Bands, a.DataType = img.Grid, bandInfos(img), "uint8"
	}
	return a, nil
}

// writePreviews writes the tile's quicklooks the plan chose
// (plugins.PlanPreviews), each rendered by the kind of product it shows.
func (ex *executor) writePreviews(ctx context.Context, t *plugins.Tile, dir, rel string) ([]plugins.Asset, error) {
	var out []plugins.Asset
	for _, pv := range ex.plan.Release.Previews {
		p, ok := t.Get(pv.Of.Name)
		if !ok {
			return nil, fmt.Errorf("preview %s: product %s not made", pv.Name, pv.Of.Name)
		}
		var img *raster.Image[uint8]
		switch {
		case p.Uint8 != nil && len(p.Uint8.Bands) >= 3:
			crop, err := raster.Crop(p.Uint8, t.Extent)
			if err != nil {
				return nil, err
			}
			img = preview.Thumbnail(crop, 256)
		case p.Float32 != nil && p.Kind == plugins.ElevationChange:
			crop, err := raster.Crop(p.Float32, t.Extent)
			if err != nil {
				return nil, err
			}
			img = preview.DeltaH(crop)
		case p.Float32 != nil:
			crop, err := raster.Crop(p.Float32, t.Extent)
			if err != nil {
				return nil, err
			}
			img = preview.Elevation(crop, 256)
		default:
			return nil, fmt.Errorf("preview %s: product %s has no pixels to show", pv.Name, p.Name)
		}
		file := pv.Name + pv.Ext
		write := raster.WritePNG
		if pv.MediaType == plugins.MediaJPEG {
			write = raster.WriteJPEG
		}
		if err := write(ctx, filepath.Join(dir, file), img); err != nil {
			return nil, err
		}
		out = append(out, plugins.Asset{Name: pv.Name, Kind: p.Kind, Epoch: p.Epoch, Preview: true,
			Path: filepath.ToSlash(filepath.Join(rel, file)), MediaType: pv.MediaType})
	}
	return out, nil
}

// footprintWGS84 returns the tile outline as a closed lon/lat ring and its
// bounding box, reprojected by GDAL/OSR.
func footprintWGS84(e raster.Extent, crs raster.CRS) ([][2]float64, [4]float64, error) {
	wgs84, err := wgs84CRS()
	if err != nil {
		return nil, [4]float64{}, err
	}
	xs := []float64{e.MinX, e.MaxX, e.MaxX, e.MinX, e.MinX}
	ys := []float64{e.MinY, e.MinY, e.MaxY, e.MaxY, e.MinY}
	if err := raster.TransformPoints(xs, ys, crs, wgs84); err != nil {
		return nil, [4]float64{}, err
	}
	ring := make([][2]float64, len(xs))
	for i := range xs {
		ring[i] = [2]float64{round9(xs[i]), round9(ys[i])}
	}
	bb, err := raster.TransformBounds(e, crs, wgs84)
	if err != nil {
		return nil, [4]float64{}, err
	}
	return ring, [4]float64{round9(bb.MinX), round9(bb.MinY), round9(bb.MaxX), round9(bb.MaxY)}, nil
}

// wgs84CRS looks WGS 84 up in PROJ's database once, not once per tile.
var wgs84CRS = sync.OnceValues(func() (raster.CRS, error) { return raster.CRSFromEPSG(4326) })

// round9 keeps nine decimals (well under a millimetre): enough for any
// footprint, and stable across PROJ builds' last-bit differences.
func round9(v float64) float64 { return math.Round(v*1e9) / 1e9 }
