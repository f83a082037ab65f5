package raster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/airbusgeo/godal"
)

func init() {
	godal.RegisterAll()
}

// GDALVersion returns the version of the GDAL library cdflow runs on.
func GDALVersion() string {
	v := godal.Version()
	return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Revision())
}

// MosaicOptions change how source files are read.
type MosaicOptions struct {
	// NoData, when set, overrides the nodata value declared by the files.
	NoData *float64
}

// Info describes a raster source: one file or the mosaic of many.
type Info struct {
	Files []string // the files, sorted
	Grid
	Bands     int
	DataType  string // GDAL's name in lower case: "uint8", "float32", ...
	NoData    float64
	HasNoData bool
	Extent    Extent
	ResX      float64
	ResY      float64
	// Scale and Offset turn band 1's stored values into their meaning
	// (value × Scale + Offset), as the file declares them: 1 and 0 mostly.
	Scale, Offset float64
}

// ExpandFiles resolves paths and glob patterns into a sorted, de-duplicated
// file list. A pattern that matches nothing and a path that does not exist
// are errors naming them. GDAL virtual paths (/vsi...) are passed through.
func ExpandFiles(patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	var errs []error
	for _, p := range patterns {
		if strings.HasPrefix(p, "/vsi") {
			if !seen[p] {
				seen[p] = true
				files = append(files, p)
			}
			continue
		}
		var matches []string
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				errs = append(errs, fmt.Errorf("bad glob pattern %q: %w", p, err))
				continue
			}
			if len(m) == 0 {
				errs = append(errs, fmt.Errorf("glob %s matches no file: check the path and the pattern", p))
				continue
			}
			matches = m
		} else {
			st, err := os.Stat(p)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, fmt.Errorf("open %s: file does not exist", p))
				} else {
					errs = append(errs, fmt.Errorf("open %s: %w", p, err))
				}
				continue
			}
			if st.IsDir() {
				errs = append(errs, fmt.Errorf("open %s: is a directory; give a file or a glob such as %s", p, filepath.Join(p, "*.tif")))
				continue
			}
			matches = []string{p}
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.Sort(files)
	return files, nil
}

// Inspect reads the metadata of one file or of the mosaic of several (no
// pixels). Every file is opened, so a file that is not a raster, or that
// differs from the others in CRS, band count or data type, is named.
func Inspect(ctx context.Context, patterns []string, opts MosaicOptions) (Info, error) {
	m, err := OpenMosaic(ctx, patterns, opts)
	if err != nil {
		return Info{}, err
	}
	info := m.Info()
	return info, m.Close()
}

// fileInfo opens one file and reads its metadata.
func fileInfo(path string) (info Info, err error) {
	defer guard("open", path, &err)
	var log gdalLog
	ds, err := godal.Open(path, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		if _, statErr := os.Stat(path); statErr == nil || strings.HasPrefix(path, "/vsi") {
			// ECW, MrSID: say so, and how to convert them, rather than "not a raster".
			if uerr := UnsupportedFormat(path); uerr != nil {
				return Info{}, uerr
			}
			return Info{}, &OpError{Op: "open", Path: path, Err: fmt.Errorf("%w: %s", ErrNotRaster, gdalMessage(err))}
		}
		return Info{}, log.wrap("open", path, err)
	}
	defer ds.Close(godal.ErrLogger(log.handler()))
	info, err = datasetInfo(ds, path)
	info.Files = []string{path}
	return info, err
}

// Georef reads one file's size and geotransform, and nothing else: the
// check a merge makes of every product of millions of tiles, where reading
// the CRS (a WKT export through PROJ) would cost more than the rest.
func Georef(path string) (g Grid, err error) {
	defer guard("open", path, &err)
	var log gdalLog
	ds, err := godal.Open(path, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return Grid{}, log.wrap("open", path, err)
	}
	defer ds.Close(godal.ErrLogger(log.handler()))
	st := ds.Structure()
	gt, err := ds.GeoTransform(godal.ErrLogger(log.handler()))
	if err != nil {
		return Grid{}, &OpError{Op: "open", Path: path, Err: errors.New("it has no geotransform")}
	}
	return Grid{GeoTransform: gt, Width: st.SizeX, Height: st.SizeY}, nil
}

func gdalMessage(err error) string {
	s := err.Error()
	if s == "" {
		return "GDAL gave no reason"
	}
	return s
}

func datasetInfo(ds *godal.Dataset, path string) (Info, error) {
	var log gdalLog
	st := ds.Structure()
	if st.NBands == 0 {
		return Info{}, &OpError{Op: "open", Path: path, Err: fmt.Errorf("%w: it has no raster band", ErrNotRaster)}
	}
	gt, err := ds.GeoTransform(godal.ErrLogger(log.handler()))
	if err != nil {
		return Info{}, &OpError{Op: "open", Path: path, Err: errors.New("it has no geotransform: georeference it (e.g. gdal_translate -a_ullr … -a_srs …)")}
	}
	if gt[2] != 0 || gt[4] != 0 || gt[1] <= 0 || gt[5] >= 0 {
		return Info{}, &OpError{Op: "open", Path: path, Err: fmt.Errorf("%w: its geotransform %v is rotated, sheared or flipped; cdflow reads north-up rasters: warp it with gdalwarp (no -t_srs needed) into a north-up copy", ErrNotNorthUp, gt)}
	}
	b := ds.Bands()[0]
	nd, hasND := b.NoData()
	bs := b.Structure()
	info := Info{
		Scale: bs.Scale, Offset: bs.Offset,
		Grid:      Grid{CRS: crsOf(ds), GeoTransform: gt, Width: st.SizeX, Height: st.SizeY},
		Bands:     st.NBands,
		DataType:  strings.ToLower(st.DataType.String()),
		NoData:    nd,
		HasNoData: hasND,
	}
	if info.DataType == "byte" {
		info.DataType = "uint8"
	}
	info.Extent = info.Grid.Extent()
	info.ResX, info.ResY = info.Grid.Res()
	return info, nil
}

var mosaicSeq atomic.Int64

// Mosaic is one or many raster files read as one, through a VRT kept in
// GDAL's in-memory file system. It is safe for concurrent use: each reader
// borrows its own GDAL dataset handle from a pool, since GDAL datasets are
// not thread-safe.
type Mosaic struct {
	info Info
	name string // the VRT's /vsimem/ path, or the single file
	vrt  bool
	// mem marks a full-resolution in-memory copy of part of a mosaic
	// (fullResCopy): its one dataset is in free, never reopened by name.
	mem bool
	// scratch holds each worker's in-memory copy, reused between windows.
	scratch []*scratch

	mu     sync.Mutex
	free   []*godal.Dataset
	owned  []*godal.Dataset // by worker (WithWorker), nil until first used
	closed bool
}

type workerKey struct{}

// WithWorker marks ctx as worker w's (0, 1, …): reads of a mosaic under it
// go through that worker's own GDAL handle. GDAL caches decoded blocks per
// handle, so a worker that reads neighbouring tiles one after the other
// finds the blocks they share already decoded, as a single worker would;
// handles taken from a common pool would split them between the workers'
// caches and decode them twice. A worker's reads must not overlap.
func WithWorker(ctx context.Context, w int) context.Context {
	return context.WithValue(ctx, workerKey{}, w)
}

func workerOf(ctx context.Context) (int, bool) {
	w, ok := ctx.Value(workerKey{}).(int)
	return w, ok && w >= 0
}

// OpenMosaic opens one file or a glob of many as one raster. Files must share
// CRS, band count and data type; each is named when it does not.
func OpenMosaic(ctx context.Context, patterns []string, opts MosaicOptions) (*Mosaic, error) {
	files, err := ExpandFiles(patterns)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no raster file given")
	}
	var first Info
	var errs []error
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fi, err := fileInfo(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i == 0 || first.Files == nil {
			first = fi
			continue
		}
		switch {
		case !fi.CRS.Same(first.CRS):
			errs = append(errs, fmt.Errorf("%s: CRS %s differs from %s's %s; reproject it with gdalwarp -t_srs", f, fi.CRS, first.Files[0], first.CRS))
		case fi.Bands != first.Bands:
			errs = append(errs, fmt.Errorf("%s: %d bands but %s has %d; all files of a source need the same bands", f, fi.Bands, first.Files[0], first.Bands))
		case fi.DataType != first.DataType:
			errs = append(errs, fmt.Errorf("%s: data type %s but %s is %s; convert it with gdal_translate -ot", f, fi.DataType, first.Files[0], first.DataType))
		case fi.Rotated():
			errs = append(errs, fmt.Errorf("%s: rotated geotransform; warp it north-up with gdalwarp first", f))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(files) == 1 && opts.NoData == nil {
		m := &Mosaic{info: first, name: files[0]}
		return m, nil
	}
	if first.Rotated() {
		return nil, fmt.Errorf("%s: rotated geotransform; warp it north-up with gdalwarp first", files[0])
	}
	name := "/vsimem/cdflow/mosaic-" + strconv.FormatInt(mosaicSeq.Add(1), 10) + ".vrt"
	var switches []string
	if opts.NoData != nil {
		v := strconv.FormatFloat(*opts.NoData, 'g', -1, 64)
		switches = append(switches, "-srcnodata", v, "-vrtnodata", v)
	}
	var log gdalLog
	vrt, err := buildVRT(name, files, switches, &log)
	if err != nil {
		return nil, log.wrap("build mosaic of", strings.Join(files, ", "), err)
	}
	info, err := datasetInfo(vrt, name)
	closeErr := vrt.Close(godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, err
	}
	if closeErr != nil {
		return nil, log.wrap("build mosaic of", strings.Join(files, ", "), closeErr)
	}
	info.Files = files
	return &Mosaic{info: info, name: name, vrt: true}, nil
}

func buildVRT(name string, files, switches []string, log *gdalLog) (ds *godal.Dataset, err error) {
	defer guard("build VRT", name, &err)
	return godal.BuildVRT(name, files, switches, godal.ErrLogger(log.handler()))
}

// Info returns the mosaic's metadata.
func (m *Mosaic) Info() Info { return m.info }

// Name is what the mosaic is called in messages: its file, or its first file and a count.
func (m *Mosaic) Name() string {
	if len(m.info.Files) == 1 {
		return m.info.Files[0]
	}
	return fmt.Sprintf("%s (+%d files)", m.info.Files[0], len(m.info.Files)-1)
}

// acquire borrows a dataset handle (the worker's own, under WithWorker);
// release returns it.
func (m *Mosaic) acquire(ctx context.Context) (*godal.Dataset, error) {
	w, isWorker := workerOf(ctx)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, fmt.Errorf("read %s: mosaic is closed", m.Name())
	}
	if isWorker && w < len(m.owned) && m.owned[w] != nil {
		ds := m.owned[w]
		m.mu.Unlock()
		return ds, nil
	}
	if n := len(m.free); n > 0 && !isWorker {
		ds := m.free[n-1]
		m.free = m.free[:n-1]
		m.mu.Unlock()
		return ds, nil
	}
	m.mu.Unlock()
	if m.mem {
		// Its name is the source's: opening it would read the source.
		return nil, fmt.Errorf("read %s: in-memory copy already in use", m.Name())
	}
	var log gdalLog
	ds, err := godal.Open(m.name, godal.RasterOnly(), godal.ErrLogger(log.handler()))
	if err != nil {
		return nil, log.wrap("open", m.Name(), err)
	}
	if isWorker {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.closed {
			_ = ds.Close(godal.SkipWarnings)
			return nil, fmt.Errorf("read %s: mosaic is closed", m.Name())
		}
		for len(m.owned) <= w {
			m.owned = append(m.owned, nil)
		}
		m.owned[w] = ds
	}
	return ds, nil
}

func (m *Mosaic) release(ctx context.Context, ds *godal.Dataset) {
	if _, isWorker := workerOf(ctx); isWorker {
		return // the worker keeps it
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		_ = ds.Close(godal.SkipWarnings)
		return
	}
	m.free = append(m.free, ds)
}

// Close releases every GDAL handle and the in-memory VRT.
func (m *Mosaic) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	var errs []error
	for _, ds := range append(m.free, m.owned...) {
		if ds == nil {
			continue
		}
		var log gdalLog
		if err := ds.Close(godal.ErrLogger(log.handler())); err != nil {
			errs = append(errs, log.wrap("close", m.Name(), err))
		}
	}
	m.free, m.owned = nil, nil
	for _, s := range m.scratch {
		s.close()
	}
	m.scratch = nil
	if m.vrt {
		if err := godal.VSIUnlink(m.name); err != nil {
			errs = append(errs, fmt.Errorf("remove in-memory mosaic %s: %w", m.name, err))
		}
	}
	return errors.Join(errs...)
}
