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
// `gdal_translate -projwin … -tr … -r …` would on the source's full
// resolution pixels: GDAL's RasterIO resampling on the source grid, never
// from an overview, and a mosaic resampled as the one raster its files make
// up (see "Overviews must never stand in" below). Parts of the window
// outside the sources read as nodata (0 when the source declares none).
// Only the window (with a margin for the resampling kernel) is held in memory.
func Read[T Pixel](ctx context.Context, m *Mosaic, w Window) (*Image[T], error) {
	if err := w.check(m, false); err != nil {
		return nil, err
	}
	if !m.mem && resamples(m.info, w) {
		return readFullRes[T](ctx, m, w)
	}
	return readWindow[T](ctx, m, w)
}

// readWindow is Read on a source GDAL may read directly: at the source's
// own pixel size, or from an in-memory full-resolution copy.
func readWindow[T Pixel](ctx context.Context, m *Mosaic, w Window) (*Image[T], error) {
	method := w.Method
	if method == "" {
		method = "nearest"
	}
	if d, ok := planDirect(m.info, w, method); ok {
		return readDirect[T](ctx, m, d)
	}
	return readVia[T](ctx, m, "read window", w.Extent, translateWindow(w.Extent, w.ResX, w.ResY, method))
}

// Overviews must never stand in for a source's pixels. Asked for a window
// at a coarser pixel size than the source's, GDAL answers from an overview
// when the source has one that is close enough: the internal overviews of
// a GeoTIFF (every COG has them) or its external .ovr, the wavelet
// resolution levels of a JPEG 2000, the DCT-scaled levels of a
// JPEG-compressed TIFF, and the same through every file of a VRT. Those
// pixels were computed otherwise than the method asked for (gdaladdo's
// default is nearest; a wavelet level is no average), so products would
// depend on how a source happens to be encoded. Opening the source with
// OVERVIEW_LEVEL=NONE hides the overviews of that one dataset only, not
// those of the files a VRT reads, and GDAL 3.6 has no setting to ignore
// them everywhere. So Read never asks GDAL to coarsen a source: it copies
// the source's pixels under the window at full resolution, a 1:1 read that
// no overview can answer (down to a VRT's files), into an in-memory
// dataset, and resamples that copy, which has no overview, exactly as it
// would have resampled the source. The copy carries the source's nodata,
// masks and band types, so GDAL's resampling of it is the same arithmetic
// on the same pixels. Warp needs no copy: the warper reads its sources at
// full resolution, and -ovr NONE keeps it from picking an overview as its
// source.
//
// Every resampling read goes through the copy, refining ones too (they
// would not meet an overview): a mosaic is then resampled as the one
// raster its files make up, as the warper does, rather than file by file
// as a VRT does (each file's kernel clamped at its own edges), so sheets
// and their merge give the same products, seams included.

// resamples reports whether w asks for another pixel size than the
// source's on either axis (coarser is when GDAL would consult overviews).
func resamples(info Info, w Window) bool {
	const eps = 1e-9
	return math.Abs(w.ResX-info.ResX) > eps*info.ResX || math.Abs(w.ResY-info.ResY) > eps*info.ResY
}

// fullResPart is the part of the source, in source pixels [x0, x1) ×
// [y0, y1), that resampling w may weigh: the pixels under the window and a
// margin wider than the widest kernel (lanczos: 3 output pixels each side,
// GDAL rounding outward), clamped to the source. ok is false when no source
// pixel lies under the window.
func fullResPart(info Info, w Window) (x0, y0, x1, y1 int, ok bool) {
	gt := info.GeoTransform
	kx := math.Max(1, w.ResX/info.ResX) // source pixels per output pixel
	ky := math.Max(1, w.ResY/info.ResY)
	mx, my := int(math.Ceil(4*kx))+2, int(math.Ceil(4*ky))+2
	e := w.Extent
	fx0, fx1 := (e.MinX-gt[0])/gt[1], (e.MaxX-gt[0])/gt[1]
	fy0, fy1 := (e.MaxY-gt[3])/gt[5], (e.MinY-gt[3])/gt[5]
	if fx1 <= 0 || fy1 <= 0 || fx0 >= float64(info.Width) || fy0 >= float64(info.Height) {
		return 0, 0, 0, 0, false
	}
	x0 = max(0, int(math.Floor(fx0))-mx)
	y0 = max(0, int(math.Floor(fy0))-my)
	x1 = min(info.Width, int(math.Ceil(fx1))+mx)
	y1 = min(info.Height, int(math.Ceil(fy1))+my)
	return x0, y0, x1, y1, x1 > x0 && y1 > y0
}

// readFullRes reads a window at another pixel size than the source's from
// a full-resolution in-memory copy of the source's pixels under it.
func readFullRes[T Pixel](ctx context.Context, m *Mosaic, w Window) (*Image[T], error) {
	x0, y0, x1, y1, ok := fullResPart(m.info, w)
	if !ok {
		// No source pixel under the window: nothing to read, nothing an
		// overview could answer.
		return readWindow[T](ctx, m, w)
	}
	c, done, err := m.fullResCopy(ctx, x0, y0, x1-x0, y1-y0, w.Extent)
	if err != nil {
		return nil, err
	}
	defer done()
	// The copy is read by this goroutine alone, not as a worker's mosaic.
	return readWindow[T](context.WithValue(ctx, workerKey{}, -1), c, w)
}

// fullResCopy copies source pixels [x0, x0+w) × [y0, y0+h) of every band
// into an in-memory dataset at full resolution, wrapped as a Mosaic of the
// same name and metadata on that part of the grid; call done when it has
// been read.
func (m *Mosaic) fullResCopy(ctx context.Context, x0, y0, w, h int, e Extent) (c *Mosaic, done func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	defer guard("read window", m.Name(), &err)
	src, err := m.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer m.release(ctx, src)
	info := m.info
	gt := info.GeoTransform
	// gdal_translate -srcwin's origin, so the copy's pixels keep their place.
	info.GeoTransform = [6]float64{gt[0] + float64(x0)*gt[1] + float64(y0)*gt[2], gt[1], gt[2],
		gt[3] + float64(x0)*gt[4] + float64(y0)*gt[5], gt[4], gt[5]}
	info.Width, info.Height = w, h
	info.Extent = info.Grid.Extent()
	// A worker reads one window at a time: its copy's dataset and buffer
	// are kept for the next window (the same size but at the sources'
	// edges), which saves allocating and faulting in megabytes per tile.
	var sc *scratch
	if wk, ok := workerOf(ctx); ok {
		sc = m.scratchOf(wk)
	}
	var log gdalLog
	ds, kept, err := copyPixels(src, x0, y0, w, h, info.GeoTransform, sc, &log)
	if err != nil {
		return nil, nil, m.blame(ctx, e, log.wrap("read window", m.Name(), err))
	}
	done = func() {
		if !kept {
			_ = ds.Close(godal.SkipWarnings)
		}
	}
	return &Mosaic{info: info, name: m.name, mem: true, free: []*godal.Dataset{ds}}, done, nil
}

// scratch is a worker's in-memory copy, kept between its windows.
type scratch struct {
	ds     *godal.Dataset
	buf    any // the pixels as read, w × h × bands of the source's type
	w, h   int
	dt     godal.DataType
	masked bool
	mask   []uint8
	// filled says ds holds source pixels [x0, x0+w) × [y0, y0+h), all of
	// them copied: a later 1:1 read inside them is served from ds.
	filled bool
	x0, y0 int
}

// heldCopy returns worker's in-memory copy of m when it holds source
// pixels [x, x+w) × [y, y+h), with the copy's origin in source pixels.
// A tile reads a source at full resolution right after resampling it (the
// QA step checks the orthophotos a resample step averaged): served from
// the copy, those pixels are decoded once.
func (m *Mosaic) heldCopy(ctx context.Context, x, y, w, h int) (ds *godal.Dataset, x0, y0 int, ok bool) {
	wk, isWorker := workerOf(ctx)
	if !isWorker {
		return nil, 0, 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if wk >= len(m.scratch) {
		return nil, 0, 0, false
	}
	sc := m.scratch[wk]
	if !sc.filled || x < sc.x0 || y < sc.y0 || x+w > sc.x0+sc.w || y+h > sc.y0+sc.h {
		return nil, 0, 0, false
	}
	return sc.ds, sc.x0, sc.y0, true
}

// scratchOf returns worker w's scratch copy of m.
func (m *Mosaic) scratchOf(w int) *scratch {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.scratch) <= w {
		m.scratch = append(m.scratch, &scratch{})
	}
	return m.scratch[w]
}

func (s *scratch) close() {
	if s.ds != nil {
		_ = s.ds.Close(godal.SkipWarnings)
	}
	*s = scratch{}
}

// GDAL's mask flags (RFC 15).
const (
	gmfAllValid   = 0x01
	gmfPerDataset = 0x02
	gmfAlpha      = 0x04
	gmfNoData     = 0x08
)

// pixelBuffer allocates n values of a GDAL data type godal can read into.
func pixelBuffer(dt godal.DataType, n int) (any, bool) {
	switch dt {
	case godal.Byte:
		return make([]uint8, n), true
	case godal.Int16:
		return make([]int16, n), true
	case godal.UInt16:
		return make([]uint16, n), true
	case godal.Int32:
		return make([]int32, n), true
	case godal.UInt32:
		return make([]uint32, n), true
	case godal.Float32:
		return make([]float32, n), true
	case godal.Float64:
		return make([]float64, n), true
	}
	return nil, false
}

// reslice returns buf cut to n values when it holds that many, else nil.
func reslice(buf any, n int) any {
	switch b := buf.(type) {
	case []uint8:
		if cap(b) >= n {
			return b[:n]
		}
	case []int16:
		if cap(b) >= n {
			return b[:n]
		}
	case []uint16:
		if cap(b) >= n {
			return b[:n]
		}
	case []int32:
		if cap(b) >= n {
			return b[:n]
		}
	case []uint32:
		if cap(b) >= n {
			return b[:n]
		}
	case []float32:
		if cap(b) >= n {
			return b[:n]
		}
	case []float64:
		if cap(b) >= n {
			return b[:n]
		}
	}
	return nil
}

// copyPixels makes fullResCopy's in-memory dataset: the values in the
// source's data type, nodata, colour interpretation (an alpha band stays
// one) and a per-dataset mask, which is all GDAL's resampling weighs.
// With sc it reuses (kept) the worker's dataset when the size matches.
//
// The pixels come in one 1:1 RasterIO of all bands, not through
// gdal_translate -srcwin, which copies them in swaths through a VRT: on a
// JPEG 2000 sheet that decoded the codestream tiles under a window several
// times over (BenchmarkJP2Tile: 3× slower), while one dataset-level read
// decodes each once and leaves it in the handle's block cache for the next
// window. Sources it cannot carry exactly (colour tables, per-band masks,
// mixed or exotic data types) are copied by gdal_translate.
func copyPixels(src *godal.Dataset, x0, y0, w, h int, gt [6]float64, sc *scratch, log *gdalLog) (ds *godal.Dataset, kept bool, err error) {
	bands := src.Bands()
	nb := len(bands)
	dt := bands[0].Structure().DataType
	_, ok := pixelBuffer(dt, 0)
	for _, b := range bands {
		f := b.MaskFlags()
		ok = ok && b.Structure().DataType == dt && len(b.ColorTable().Entries) == 0 &&
			(f == gmfAllValid || f == gmfNoData || f == gmfPerDataset || f == gmfAlpha|gmfPerDataset)
	}
	if !ok {
		ds, err := src.Translate("", []string{
			"-of", "MEM",
			"-srcwin", strconv.Itoa(x0), strconv.Itoa(y0), strconv.Itoa(w), strconv.Itoa(h),
		}, godal.ErrLogger(log.handler()))
		return ds, false, err
	}
	masked := bands[0].MaskFlags() == gmfPerDataset
	if sc == nil {
		sc = &scratch{} // this window's alone: the caller closes its dataset
	} else {
		kept = true
	}
	sc.filled = false
	if sc.ds == nil || sc.w != w || sc.h != h || sc.dt != dt || sc.masked != masked {
		var buf any
		if sc.dt == dt {
			buf = reslice(sc.buf, w*h*nb) // windows at the sources' edges are smaller
		}
		if buf == nil {
			buf, _ = pixelBuffer(dt, w*h*nb)
		}
		sc.close()
		nds, err := newCopy(src, dt, w, h, masked, log)
		if err != nil {
			return nil, false, err
		}
		*sc = scratch{ds: nds, buf: buf, w: w, h: h, dt: dt, masked: masked}
	}
	ds = sc.ds
	fail := func(err error) (*godal.Dataset, bool, error) {
		if !kept {
			ds.Close()
		}
		return nil, false, err
	}
	// Pixel-interleaved, as most sources and JPEG 2000 decoding deliver them.
	layout := []godal.DatasetIOOption{godal.PixelStride(nb), godal.LineStride(w * nb), godal.BandStride(1), godal.ErrLogger(log.handler())}
	if err := src.Read(x0, y0, sc.buf, w, h, layout...); err != nil {
		return fail(err)
	}
	if err := ds.Write(0, 0, sc.buf, w, h, layout...); err != nil {
		return fail(err)
	}
	if err := ds.SetGeoTransform(gt, godal.ErrLogger(log.handler())); err != nil {
		return fail(err)
	}
	if masked {
		// An explicit mask (internal or .msk): copied as it is.
		if len(sc.mask) != w*h {
			sc.mask = make([]uint8, w*h)
		}
		if err := bands[0].MaskBand().Read(x0, y0, sc.mask, w, h, godal.ErrLogger(log.handler())); err != nil {
			return fail(err)
		}
		if err := ds.Bands()[0].MaskBand().Write(0, 0, sc.mask, w, h, godal.ErrLogger(log.handler())); err != nil {
			return fail(err)
		}
	}
	sc.filled, sc.x0, sc.y0 = true, x0, y0
	return ds, kept, nil
}

// newCopy creates an in-memory dataset shaped as src's bands: data type,
// CRS, nodata, colour interpretation and, when masked, a per-dataset mask.
func newCopy(src *godal.Dataset, dt godal.DataType, w, h int, masked bool, log *gdalLog) (*godal.Dataset, error) {
	bands := src.Bands()
	ds, err := godal.Create(godal.Memory, "", len(bands), dt, w, h, godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*godal.Dataset, error) {
		ds.Close()
		return nil, err
	}
	if wkt := src.Projection(); wkt != "" {
		if err := ds.SetProjection(wkt, godal.ErrLogger(log.handler())); err != nil {
			return fail(err)
		}
	}
	for i, b := range ds.Bands() {
		if nd, ok := bands[i].NoData(); ok {
			if err := b.SetNoData(nd, godal.ErrLogger(log.handler())); err != nil {
				return fail(err)
			}
		}
		if err := b.SetColorInterp(bands[i].ColorInterp(), godal.ErrLogger(log.handler())); err != nil {
			return fail(err)
		}
	}
	if masked {
		if _, err := ds.CreateMaskBand(gmfPerDataset, godal.ErrLogger(log.handler())); err != nil {
			return fail(err)
		}
	}
	return ds, nil
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
			// Never an overview as the source (gdalwarp's default is
			// AUTO): see "Overviews must never stand in" above.
			"-ovr", "NONE",
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
