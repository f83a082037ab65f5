package execute

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/cdflow/cdflow/changemap"
	"github.com/cdflow/cdflow/coreg"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/workflows/plans"
)

// windowCache keeps the source windows one tile has read, so two steps
// reading the same window (ΔH and QA, say) read the source once.
type windowCache struct {
	mu   sync.Mutex
	imgs map[string]any // *raster.Image[T], keyed by pixel type, source, resolution, method
}

// sourceInput reads a source's window on the tile.
type sourceInput struct {
	ex    *executor
	src   *plans.Source
	prod  plugins.Product
	tile  *plugins.Tile
	cache *windowCache
}

func (s *sourceInput) Product() plugins.Product { return s.prod }

// window decides how to bring the source onto the tile grid: a plain
// RasterIO read (exactly gdal_translate -projwin) when the tile grid falls
// on the source's pixel edges at the same or a whole-multiple coarser pixel
// size, else GDAL's warper (exactly gdalwarp -te -tr). The default method
// is the source's own pixels when aligned at its resolution, bilinear when
// refining or off-grid, and average when coarsening.
func (s *sourceInput) window(res float64, method string) (raster.Window, bool) {
	info := s.src.Raster
	e := s.tile.Work
	gt := info.GeoTransform
	srcRes := info.ResX
	ratio := res / srcRes
	whole := math.Abs(ratio-math.Round(ratio)) < 1e-9 && math.Round(ratio) >= 1 && math.Abs(info.ResX-info.ResY) < 1e-12
	onEdges := func(v, origin float64) bool {
		k := (v - origin) / srcRes
		return math.Abs(k-math.Round(k)) < 1e-6
	}
	aligned := whole && onEdges(e.MinX, gt[0]) && onEdges(e.MaxY, gt[3])
	if method == "" {
		switch {
		case aligned && math.Round(ratio) == 1:
			method = "nearest"
		case res > srcRes*(1+1e-9):
			method = "average"
		default:
			method = "bilinear"
		}
	}
	return raster.Window{Extent: e, ResX: res, ResY: res, Method: method}, !aligned
}

func (s *sourceInput) Float32(ctx context.Context, res float64, method string) (*raster.Image[float32], error) {
	return readSource[float32](ctx, s, res, method)
}

func (s *sourceInput) Uint8(ctx context.Context, res float64, method string) (*raster.Image[uint8], error) {
	return readSource[uint8](ctx, s, res, method)
}

// readSource reads (once per tile) a source's window as pixels of type T.
func readSource[T raster.Pixel](ctx context.Context, s *sourceInput, res float64, method string) (*raster.Image[T], error) {
	k := fmt.Sprintf("%s|%s|%g|%s", raster.DataTypeName[T](), s.src.Address(), res, method)
	s.cache.mu.Lock()
	if img, ok := s.cache.imgs[k].(*raster.Image[T]); ok {
		s.cache.mu.Unlock()
		return img, nil
	}
	s.cache.mu.Unlock()
	w, warp := s.window(res, method)
	// A shifted source is read on a window grown by the shift and a pixel
	// for the bilinear kernel, then resampled and cropped back: every
	// pixel of the tile's window is interpolated from pixels that were read.
	shift, margin := s.ex.shifts[s.src.Address().String()], 0
	if shift != [2]float64{} {
		margin = int(math.Ceil(max(math.Abs(shift[0]), math.Abs(shift[1]))/res)) + 1
		g := float64(margin) * res
		w.Extent = raster.Extent{MinX: w.Extent.MinX - g, MinY: w.Extent.MinY - g, MaxX: w.Extent.MaxX + g, MaxY: w.Extent.MaxY + g}
	}
	m, empty := s.ex.mosaicFor(s.src, w.Extent)
	var img *raster.Image[T]
	var err error
	switch {
	case empty:
		img, margin = nodataImage[T](s.src, s.tile.GridAt(res)), 0
	case warp:
		img, err = raster.Warp[T](ctx, m, w)
	default:
		img, err = raster.Read[T](ctx, m, w)
	}
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", s.src.Address(), err)
	}
	if f, ok := any(img).(*raster.Image[float32]); ok {
		// GDAL reads stored values; a file declaring a scale or offset
		// (decimetres as int16 with scale 0.1) means value × scale + offset.
		if info := s.src.Raster; info.Scale != 1 && info.Scale != 0 || info.Offset != 0 {
			rescale(f, info.Scale, info.Offset)
		}
	}
	if margin > 0 {
		if img, err = shiftImage(img, shift, margin); err != nil {
			return nil, fmt.Errorf("source %s: %w", s.src.Address(), err)
		}
	}
	if f, ok := any(img).(*raster.Image[float32]); ok {
		if off := s.ex.offsets[s.src.Address().String()]; off != 0 {
			subtract(f, float32(off))
		}
	}
	s.cache.mu.Lock()
	if s.cache.imgs == nil {
		s.cache.imgs = map[string]any{}
	}
	s.cache.imgs[k] = img
	s.cache.mu.Unlock()
	return img, nil
}

// shiftImage resamples a window read margin pixels beyond the tile's on
// every side at positions moved by shift (metres east, north), bilinearly,
// and crops it to the tile's window: value(x, y) = read(x + east, y +
// north). A pixel whose kernel touches nodata is nodata.
func shiftImage[T raster.Pixel](img *raster.Image[T], shift [2]float64, margin int) (*raster.Image[T], error) {
	w, h := img.Width-2*margin, img.Height-2*margin
	rx, ry := img.Res()
	if w <= 0 || h <= 0 || img.Rotated() || !(rx > 0 && ry > 0) {
		return nil, fmt.Errorf("cannot shift a %d×%d window with a %d-pixel margin", img.Width, img.Height, margin)
	}
	out := &raster.Image[T]{Grid: img.Grid, NoData: img.NoData, HasNoData: img.HasNoData}
	out.GeoTransform[0] += float64(margin) * img.GeoTransform[1]
	out.GeoTransform[3] += float64(margin) * img.GeoTransform[5]
	out.Width, out.Height = w, h
	nan := math.NaN()
	var ok []bool
	var moved []T
	var movedOK []bool
	for _, band := range img.Bands {
		ok = ok[:0]
		for _, v := range band {
			// NaN is never valid, declared nodata or not.
			ok = append(ok, v == v && !img.IsNoData(v))
		}
		// Rows run south: north is a negative row offset.
		moved, movedOK = coreg.Shift(band, ok, img.Width, img.Height, shift[0]/rx, -shift[1]/ry, moved, movedOK)
		b := make([]T, w*h)
		for r := range h {
			src := (r+margin)*img.Width + margin
			for c := range w {
				switch {
				case movedOK[src+c]:
					b[r*w+c] = moved[src+c]
				case img.HasNoData:
					b[r*w+c] = T(img.NoData)
				default:
					// Only NaN can be invalid without a declared nodata.
					b[r*w+c] = T(nan)
				}
			}
		}
		out.Bands = append(out.Bands, b)
	}
	return out, nil
}

// rescale turns every valid stored value into v × scale + offset.
func rescale(img *raster.Image[float32], scale, offset float64) {
	if scale == 0 {
		scale = 1
	}
	nd := changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
	for _, b := range img.Bands {
		for i, v := range b {
			if !nd.Is(v) {
				b[i] = float32(float64(v)*scale + offset)
			}
		}
	}
}

// subtract takes off from every valid value of a window: a correction a
// Preparer asked for, such as a DSM's vertical bias.
func subtract(img *raster.Image[float32], off float32) {
	nd := changemap.Nodata{Value: float32(img.NoData), Set: img.HasNoData}
	for _, b := range img.Bands {
		for i, v := range b {
			if !nd.Is(v) {
				b[i] = v - off
			}
		}
	}
}

func (s *sourceInput) Rasterize(ctx context.Context, res float64, where string) (*raster.Image[uint8], error) {
	if s.src.Kind != plugins.Vector {
		return nil, fmt.Errorf("source %s is a raster, not polygons", s.src.Address())
	}
	img, err := raster.Rasterize(ctx, s.src.Files[0], s.tile.GridAt(res), where)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", s.src.Address(), err)
	}
	return img, nil
}

func (s *sourceInput) Points(ctx context.Context) (*plugins.PointSet, error) {
	if !s.src.Kind.IsPoints() {
		return nil, fmt.Errorf("source %s is %s, not a point cloud", s.src.Address(), s.src.Kind.Describe())
	}
	return s.ex.points(ctx, s.src, s.tile)
}

// productInput hands over a product an earlier step put in the tile.
type productInput struct {
	tile *plugins.Tile
	prod plugins.Product
}

func (p *productInput) Product() plugins.Product { return p.prod }

func (p *productInput) get(res float64) (*plugins.TileProduct, error) {
	tp, ok := p.tile.Get(p.prod.Name)
	if !ok {
		return nil, fmt.Errorf("product %s not made yet in tile %s", p.prod.Name, p.tile.ID)
	}
	if math.Abs(res-tp.Resolution) > 1e-9*res {
		return nil, fmt.Errorf("product %s is at %g m, not %g m; add a resample step", p.prod.Name, tp.Resolution, res)
	}
	return tp, nil
}

func (p *productInput) Float32(ctx context.Context, res float64, method string) (*raster.Image[float32], error) {
	tp, err := p.get(res)
	if err != nil {
		return nil, err
	}
	if tp.Float32 == nil {
		return nil, fmt.Errorf("product %s holds 8-bit pixels, not elevations", p.prod.Name)
	}
	return tp.Float32, nil
}

func (p *productInput) Uint8(ctx context.Context, res float64, method string) (*raster.Image[uint8], error) {
	tp, err := p.get(res)
	if err != nil {
		return nil, err
	}
	if tp.Uint8 == nil {
		return nil, fmt.Errorf("product %s holds elevations, not 8-bit pixels", p.prod.Name)
	}
	return tp.Uint8, nil
}

func (p *productInput) Rasterize(ctx context.Context, res float64, where string) (*raster.Image[uint8], error) {
	return nil, fmt.Errorf("product %s is a raster, not polygons", p.prod.Name)
}

func (p *productInput) Points(ctx context.Context) (*plugins.PointSet, error) {
	return nil, fmt.Errorf("product %s is a raster, not a point cloud", p.prod.Name)
}
