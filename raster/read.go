package raster

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/airbusgeo/godal"
)

// Window is an area to read, in the source's CRS, with the output pixel size
// and the GDAL resampling method ("nearest", "bilinear", "cubic",
// "cubicspline", "lanczos", "average", "mode", ...; empty means nearest).
type Window struct {
	Extent Extent
	ResX   float64
	ResY   float64
	Method string
}

// Size is the output size in pixels.
func (w Window) Size() (width, height int) {
	return int(math.Round(w.Extent.Width() / w.ResX)), int(math.Round(w.Extent.Height() / w.ResY))
}

// translateMethods are the resampling names gdal_translate (GDALRasterIO) accepts.
var translateMethods = map[string]bool{
	"nearest": true, "bilinear": true, "cubic": true, "cubicspline": true,
	"lanczos": true, "average": true, "rms": true, "mode": true,
}

// warpMethods are the resampling names gdalwarp accepts.
var warpMethods = map[string]bool{
	"near": true, "nearest": true, "bilinear": true, "cubic": true, "cubicspline": true,
	"lanczos": true, "average": true, "rms": true, "mode": true, "max": true,
	"min": true, "med": true, "q1": true, "q3": true, "sum": true,
}

// ResamplingMethods lists the method names Read accepts.
func ResamplingMethods() []string {
	return []string{"nearest", "bilinear", "cubic", "cubicspline", "lanczos", "average", "rms", "mode"}
}

// ValidMethod reports whether Read (warp=false) or Warp (warp=true) accepts a method.
func ValidMethod(method string, warp bool) bool {
	if method == "" {
		return true
	}
	if warp {
		return warpMethods[method]
	}
	return translateMethods[method]
}

func (w Window) check(m *Mosaic, warp bool) error {
	if w.Extent.Empty() {
		return fmt.Errorf("read %s: empty window %v", m.Name(), w.Extent)
	}
	if !(w.ResX > 0 && w.ResY > 0) {
		return fmt.Errorf("read %s: resolution must be positive, got %g x %g", m.Name(), w.ResX, w.ResY)
	}
	if !ValidMethod(w.Method, warp) {
		return fmt.Errorf("read %s: unknown resampling method %q", m.Name(), w.Method)
	}
	return nil
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Read reads a window of every band at the window's resolution, exactly as
// `gdal_translate -projwin … -tr … -r …` would: GDAL's RasterIO resampling
// on the source grid. Parts of the window outside the sources read as nodata
// (0 when the source declares none). Only the window is held in memory.
func Read[T Pixel](ctx context.Context, m *Mosaic, w Window) (*Image[T], error) {
	if err := w.check(m, false); err != nil {
		return nil, err
	}
	method := w.Method
	if method == "" {
		method = "nearest"
	}
	if d, ok := planDirect(m.info, w, method); ok {
		return readDirect[T](ctx, m, d)
	}
	return readVia[T](ctx, m, "read window", w.Extent, translateWindow(w.Extent, w.ResX, w.ResY, method))
}

// translateWindow produces a window as gdal_translate -projwin -tr -r does.
func translateWindow(e Extent, resX, resY float64, method string) func(*godal.Dataset, *gdalLog) (*godal.Dataset, error) {
	return func(src *godal.Dataset, log *gdalLog) (*godal.Dataset, error) {
		return src.Translate("", []string{
			"-of", "MEM",
			"-projwin", ff(e.MinX), ff(e.MaxY), ff(e.MaxX), ff(e.MinY),
			"-tr", ff(resX), ff(resY),
			"-r", method,
		}, godal.ErrLogger(log.handler()))
	}
}

// Warp reads a window as `gdalwarp -te … -tr … -r …` would: each output pixel
// is resampled from the sources by GDAL's warper, which is what brings a
// source on another grid or resolution onto the tile grid. Source nodata is
// honoured and kept as the output's nodata.
func Warp[T Pixel](ctx context.Context, m *Mosaic, w Window) (*Image[T], error) {
	if err := w.check(m, true); err != nil {
		return nil, err
	}
	method := w.Method
	if method == "" || method == "nearest" {
		method = "near"
	}
	e := w.Extent
	info := m.Info()
	return readVia[T](ctx, m, "warp window", e, func(src *godal.Dataset, log *gdalLog) (*godal.Dataset, error) {
		sw := []string{
			"-of", "MEM",
			"-te", ff(e.MinX), ff(e.MinY), ff(e.MaxX), ff(e.MaxY),
			"-tr", ff(w.ResX), ff(w.ResY),
			"-r", method,
		}
		if info.HasNoData {
			sw = append(sw, "-dstnodata", ff(info.NoData))
		}
		return src.Warp("", sw, godal.ErrLogger(log.handler()))
	})
}

func readVia[T Pixel](ctx context.Context, m *Mosaic, op string, e Extent, produce func(*godal.Dataset, *gdalLog) (*godal.Dataset, error)) (img *Image[T], err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer guard(op, m.Name(), &err)
	src, err := m.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer m.release(ctx, src)
	var log gdalLog
	out, err := produce(src, &log)
	if err != nil {
		return nil, m.blame(ctx, e, log.wrap(op, m.Name(), err))
	}
	defer out.Close(godal.ErrLogger(log.handler()))
	img, err = readAll[T](out, m.Name(), op, &log)
	if err != nil {
		return nil, m.blame(ctx, e, err)
	}
	return img, nil
}

// blame turns a failed read of a mosaic into one naming the file at fault
// (each file under the window is read alone) and saying what to do.
func (m *Mosaic) blame(ctx context.Context, e Extent, err error) error {
	const hint = "the file is truncated or corrupt: replace it, or remove it from the source's files"
	if !m.vrt {
		return fmt.Errorf("%w; %s", err, hint)
	}
	for _, f := range m.info.Files {
		if ctx.Err() != nil {
			break
		}
		fi, ferr := fileInfo(f)
		if ferr != nil {
			return fmt.Errorf("%w; %s", ferr, hint)
		}
		part, ok := fi.Extent.Intersect(e)
		if !ok {
			continue
		}
		single := &Mosaic{info: fi, name: f}
		_, rerr := readVia[uint8](ctx, single, "read", part, translateWindow(part, fi.ResX, fi.ResY, "nearest"))
		single.Close()
		if rerr != nil {
			return rerr
		}
	}
	return err
}

// readAll copies every band of a (small, in-memory) dataset into an Image.
func readAll[T Pixel](ds *godal.Dataset, name, op string, log *gdalLog) (*Image[T], error) {
	st := ds.Structure()
	// A raster without georeferencing (a PNG quicklook) reads on the identity grid.
	gt, err := ds.GeoTransform(godal.ErrLogger(log.handler()))
	if err != nil {
		gt = [6]float64{0, 1, 0, 0, 0, 1}
	}
	img := NewImage[T](Grid{CRS: crsOf(ds), GeoTransform: gt, Width: st.SizeX, Height: st.SizeY}, st.NBands)
	for i, b := range ds.Bands() {
		if i == 0 {
			img.NoData, img.HasNoData = b.NoData()
		}
		if err := b.Read(0, 0, img.Bands[i], st.SizeX, st.SizeY, godal.ErrLogger(log.handler())); err != nil {
			return nil, log.wrap(op, name, err)
		}
	}
	return img, nil
}

// ReadFile reads a whole (small) raster file; tests and tools use it to read products back.
func ReadFile[T Pixel](ctx context.Context, path string) (img *Image[T], err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer guard("read", path, &err)
	var log gdalLog
	ds, err := godal.Open(path, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, log.wrap("open", path, err)
	}
	defer ds.Close(godal.ErrLogger(log.handler()))
	return readAll[T](ds, path, "read", &log)
}
