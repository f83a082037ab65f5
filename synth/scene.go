package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/city"
)

// Generator names this generator's output format in scene.json; bump it when
// the same options start giving different files.
const Generator = "cdflow-synth/1"

// Epoch acquisition dates: the 3DCD flights of 2010 and 2017.
var epochDates = [2]string{"2010-07-01T00:00:00Z", "2017-07-01T00:00:00Z"}

// Scene is what scene.json holds: the parameters, what was made and where,
// and the truth's headline numbers. Keys come out in field order; there is no
// timestamp, so the same options give the same bytes.
type Scene struct {
	Generator  string       `json:"generator"`
	Seed       int64        `json:"seed"`
	ExtentKm   [2]float64   `json:"extent_km"`
	SheetKm    float64      `json:"sheet_km"`
	CRS        string       `json:"crs"`
	Bounds     [4]float64   `json:"bounds"` // min E, min N, max E, max N
	Resolution Resolutions  `json:"resolution_m"`
	DSMNoData  float64      `json:"dsm_nodata"`
	Epochs     []Epoch      `json:"epochs"`
	Sheets     []Sheet      `json:"sheets"`
	Files      Files        `json:"files"`
	Counts     Counts       `json:"counts"`
	Defects    DefectReport `json:"defects"`
}

// Resolutions are the pixel sizes of the products, metres.
type Resolutions struct {
	Ortho       float64 `json:"ortho"`
	DSM         float64 `json:"dsm"`
	TruthDH     float64 `json:"truth_dh"`
	TruthChange float64 `json:"truth_change"`
}

// Epoch is one flight.
type Epoch struct {
	Name     string        `json:"name"`
	Datetime string        `json:"datetime"`
	Light    city.Lighting `json:"light"`
}

// Sheet is one delivery sheet: the unit the orthophotos and DSMs are cut in.
type Sheet struct {
	ID     string     `json:"id"`     // E<easting>_N<northing> of the lower-left corner
	Bounds [4]float64 `json:"bounds"` // min E, min N, max E, max N
}

// Files lists every file written, relative to the scene directory, with
// forward slashes, sorted. A truncated file is listed (it was written); a
// missing sheet's t1 files are not. DefectReport names both.
type Files struct {
	OrthoT0  []string `json:"ortho_t0"`
	OrthoT1  []string `json:"ortho_t1"`
	DSMT0    []string `json:"dsm_t0"`
	DSMT1    []string `json:"dsm_t1"`
	LidarT0  []string `json:"lidar_t0,omitempty"`
	LidarT1  []string `json:"lidar_t1,omitempty"`
	Truth    []string `json:"truth"`
	Workflow string   `json:"workflow"`
}

// Counts are the scene's contents within the extent and its truth statistics.
type Counts struct {
	Sheets        int         `json:"sheets"`
	Files         int         `json:"files"` // files written, scene.json included
	BuildingsT0   int         `json:"buildings_t0"`
	BuildingsT1   int         `json:"buildings_t1"`
	Trees         int         `json:"trees"`
	CarsT0        int         `json:"cars_t0"`
	CarsT1        int         `json:"cars_t1"`
	Events        EventCounts `json:"events"`
	ChangedPixels int64       `json:"changed_pixels"` // 1s in truth/change.tif
	TruthPixels   int64       `json:"truth_pixels"`   // all pixels of truth/change.tif
	ChangedShare  float64     `json:"changed_share"`  // ChangedPixels / TruthPixels
	DHMin         float64     `json:"dh_min_m"`       // over truth/dh.tif
	DHMax         float64     `json:"dh_max_m"`
}

// EventCounts counts changed buildings by kind.
type EventCounts struct {
	Construction int `json:"construction"`
	Demolition   int `json:"demolition"`
	Extension    int `json:"extension"`
}

// Products: directory names, which are also file name prefixes.
const (
	dirOrthoT0 = "ortho_t0"
	dirOrthoT1 = "ortho_t1"
	dirDSMT0   = "dsm_t0"
	dirDSMT1   = "dsm_t1"
	dirTruth   = "truth"

	fileTruthDH      = "truth/dh.tif"
	fileTruthChange  = "truth/change.tif"
	fileTruthChanges = "truth/changes.geojson"
	fileScene        = "scene.json"
	fileWorkflow     = "workflow.hcl"
)

// sheet is a sheet in local metres.
type sheet struct {
	id             string
	x0, y0, x1, y1 int
}

func (s sheet) dsmSize() (w, h int) {
	return int(float64(s.x1-s.x0) / DSMRes), int(float64(s.y1-s.y0) / DSMRes)
}

func (s sheet) file(dir string) string { return dir + "/" + dir + "_" + s.id + ".tif" }

// grid is the georeferencing of the sheet's product at resolution res.
func (s sheet) grid(crs raster.CRS, res float64) raster.Grid {
	return raster.Grid{
		CRS:          crs,
		GeoTransform: [6]float64{OriginE + float64(s.x0), res, 0, OriginN + float64(s.y1), 0, -res},
		Width:        int(float64(s.x1-s.x0) / res),
		Height:       int(float64(s.y1-s.y0) / res),
	}
}

// cutSheets lays sheets of side m over a w×h scene, west to east, then south
// to north within a column, the order of their sorted file names; the last
// row and column are cut at the scene's edge.
func cutSheets(w, h, m int) []sheet {
	var out []sheet
	for x := 0; x < w; x += m {
		for y := 0; y < h; y += m {
			out = append(out, sheet{
				id: "E" + strconv.Itoa(int(OriginE)+x) + "_N" + strconv.Itoa(int(OriginN)+y),
				x0: x, y0: y, x1: min(x+m, w), y1: min(y+m, h),
			})
		}
	}
	return out
}

// generator carries one Generate call.
type generator struct {
	opt    Options
	out    string
	crs    raster.CRS
	city   *city.City
	w, h   float64 // extent, metres
	sheets []sheet
	sheetM int
	plan   *defectPlanned

	mu      sync.Mutex
	corrupt *CorruptFile
	truth   truthStats
}

// Generate writes a synthetic two-epoch scene into opt.Out and returns what
// scene.json records. The directory may be new, empty, or hold an earlier
// scene (whose products are replaced); anything else is refused.
func Generate(ctx context.Context, opt Options) (*Scene, error) {
	w, h, sm, err := opt.validate()
	if err != nil {
		return nil, err
	}
	if opt.Lidar && opt.LidarDensity == [2]float64{} {
		opt.LidarDensity = DefaultLidarDensity
	}
	crs, err := raster.CRSFromEPSG(EPSG)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	g := &generator{opt: opt, out: opt.Out, crs: crs, w: float64(w), h: float64(h), sheets: cutSheets(w, h, sm), sheetM: sm}
	if g.plan, err = planDefects(opt.Defects, opt.Seed, g.sheets); err != nil {
		return nil, err
	}
	if err := prepareOut(opt.Out); err != nil {
		return nil, err
	}
	g.city = city.New(opt.Seed, float64(w), float64(h))
	if err := runJobs(ctx, g.jobs(), runtime.GOMAXPROCS(0), opt.Progress); err != nil {
		return nil, err
	}
	sc := g.scene()
	if err := writeFileAtomic(filepath.Join(g.out, fileWorkflow), []byte(workflowHCL(sc))); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("synth: encode scene.json: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(g.out, fileScene), append(data, '\n')); err != nil {
		return nil, err
	}
	return sc, nil
}

// prepareOut creates dir, or clears an earlier scene's products from it. A
// directory is taken as an earlier scene when it holds scene.json or only
// entries the generator writes (an interrupted run); anything else is refused
// rather than mixed with a scene.
func prepareOut(dir string) error {
	ours := []string{fileScene, fileWorkflow, dirOrthoT0, dirOrthoT1, dirDSMT0, dirDSMT1, dirTruth, dirLidarT0, dirLidarT1}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("output directory %s: %w", dir, err)
	default:
		_, statErr := os.Stat(filepath.Join(dir, fileScene))
		for _, e := range entries {
			if statErr != nil && !slices.Contains(ours, e.Name()) && !strings.HasPrefix(e.Name(), ".") {
				return fmt.Errorf("output directory %s is not empty and holds no %s (found %s): choose a new or empty directory", dir, fileScene, e.Name())
			}
		}
		for _, name := range ours {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("clear earlier scene in %s: %w", dir, err)
			}
		}
	}
	for _, sub := range []string{dirOrthoT0, dirOrthoT1, dirDSMT0, dirDSMT1, dirTruth, dirLidarT0, dirLidarT1} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
	}
	return nil
}

// jobs lists the files to write, largest first so the pool ends evenly.
func (g *generator) jobs() []job {
	var jobs []job
	for si, s := range g.sheets {
		for epoch := 0; epoch < 2; epoch++ {
			if epoch == 1 && si == g.plan.missing {
				continue
			}
			jobs = append(jobs, job{s.file(orthoDir(epoch)), func(ctx context.Context) error { return g.writeOrtho(ctx, s, epoch) }})
		}
	}
	jobs = append(jobs,
		job{fileTruthChange, g.writeTruthChange},
		job{fileTruthDH, g.writeTruthDH},
		job{fileTruthChanges, g.writeChangesGeoJSON},
	)
	for si, s := range g.sheets {
		for epoch := 0; epoch < 2; epoch++ {
			if epoch == 1 && si == g.plan.missing {
				continue
			}
			jobs = append(jobs, job{s.file(dsmDir(epoch)), func(ctx context.Context) error { return g.writeDSM(ctx, si, epoch) }})
		}
	}
	if g.opt.Lidar {
		for si, s := range g.sheets {
			for epoch := 0; epoch < 2; epoch++ {
				if epoch == 1 && si == g.plan.missing {
					continue
				}
				jobs = append(jobs, job{s.lidarFile(epoch), func(ctx context.Context) error { return g.writeLidar(ctx, si, epoch) }})
			}
		}
	}
	return jobs
}

func orthoDir(epoch int) string { return [2]string{dirOrthoT0, dirOrthoT1}[epoch] }
func dsmDir(epoch int) string   { return [2]string{dirDSMT0, dirDSMT1}[epoch] }

// shift is the t1 misregistration: the whole t1 world moves east.
func (g *generator) shift(epoch int) float64 {
	if epoch == 1 {
		return g.opt.Defects.Shift
	}
	return 0
}

// orthoStrip is how many rows of an orthophoto are rendered at once: it
// bounds the working memory whatever the sheet size.
const orthoStrip = 256

func (g *generator) writeOrtho(ctx context.Context, s sheet, epoch int) error {
	rel := s.file(orthoDir(epoch))
	p := filepath.Join(g.out, filepath.FromSlash(rel))
	grid := s.grid(g.crs, OrthoRes)
	w, err := raster.CreateGeoTIFF[uint8](ctx, p, grid, 3, nil)
	if err != nil {
		return err
	}
	l := city.NewLayers(city.NewWindow(0, 0, OrthoRes, grid.Width, orthoStrip, 0))
	bands := [3][]uint8{}
	for b := range bands {
		bands[b] = make([]uint8, grid.Width*orthoStrip)
	}
	for y := 0; y < grid.Height; y += orthoStrip {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return err
		}
		rows := min(orthoStrip, grid.Height-y)
		l.Resize(city.NewWindow(float64(s.x0), float64(s.y1)-float64(y)*OrthoRes, OrthoRes, grid.Width, rows, g.shift(epoch)))
		g.city.Paint(epoch, l)
		n := grid.Width * rows
		out := [3][]uint8{bands[0][:n], bands[1][:n], bands[2][:n]}
		g.city.Colourize(epoch, l, out)
		img := &raster.Image[uint8]{Grid: raster.Grid{Width: grid.Width, Height: rows}, Bands: [][]uint8{out[0], out[1], out[2]}}
		if err := w.WriteBlock(0, y, img); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

func (g *generator) writeDSM(ctx context.Context, si, epoch int) error {
	s := g.sheets[si]
	rel := s.file(dsmDir(epoch))
	p := filepath.Join(g.out, filepath.FromSlash(rel))
	grid := s.grid(g.crs, DSMRes)
	var bias float64
	if epoch == 1 {
		bias = g.opt.Defects.Bias
	}
	vals := g.city.DSM(epoch, city.NewWindow(float64(s.x0), float64(s.y1), DSMRes, grid.Width, grid.Height, g.shift(epoch)), bias)
	if epoch == 1 {
		applyStripes(vals, grid.Width, g.plan.stripes[si])
	}
	img := &raster.Image[float32]{Grid: grid, Bands: [][]float32{vals}, NoData: DSMNoData, HasNoData: true}
	if err := raster.WriteGeoTIFF(ctx, p, img); err != nil {
		return err
	}
	if epoch == 1 && si == g.plan.corrupt {
		before, after, err := truncateHalf(p)
		if err != nil {
			return err
		}
		g.mu.Lock()
		g.corrupt = &CorruptFile{File: rel, Bytes: before, TruncatedTo: after}
		g.mu.Unlock()
	}
	return nil
}

// scene assembles what scene.json records, after every file is written.
func (g *generator) scene() *Scene {
	opt := g.opt
	sc := &Scene{
		Generator:  Generator,
		Seed:       opt.Seed,
		ExtentKm:   [2]float64{g.w / 1000, g.h / 1000},
		SheetKm:    float64(g.sheetM) / 1000,
		CRS:        "EPSG:" + strconv.Itoa(EPSG),
		Bounds:     [4]float64{OriginE, OriginN, OriginE + g.w, OriginN + g.h},
		Resolution: Resolutions{OrthoRes, DSMRes, TruthDHRes, TruthChangeRes},
		DSMNoData:  DSMNoData,
	}
	for e := range 2 {
		sc.Epochs = append(sc.Epochs, Epoch{Name: "t" + strconv.Itoa(e), Datetime: epochDates[e], Light: g.city.Light(e)})
	}
	for si, s := range g.sheets {
		sc.Sheets = append(sc.Sheets, Sheet{ID: s.id, Bounds: [4]float64{OriginE + float64(s.x0), OriginN + float64(s.y0), OriginE + float64(s.x1), OriginN + float64(s.y1)}})
		sc.Files.OrthoT0 = append(sc.Files.OrthoT0, s.file(dirOrthoT0))
		sc.Files.DSMT0 = append(sc.Files.DSMT0, s.file(dirDSMT0))
		if si != g.plan.missing {
			sc.Files.OrthoT1 = append(sc.Files.OrthoT1, s.file(dirOrthoT1))
			sc.Files.DSMT1 = append(sc.Files.DSMT1, s.file(dirDSMT1))
		}
		if opt.Lidar {
			sc.Files.LidarT0 = append(sc.Files.LidarT0, s.lidarFile(0))
			if si != g.plan.missing {
				sc.Files.LidarT1 = append(sc.Files.LidarT1, s.lidarFile(1))
			}
		}
	}
	sc.Files.Truth = []string{fileTruthChange, fileTruthChanges, fileTruthDH}
	sc.Files.Workflow = fileWorkflow
	files := len(sc.Files.OrthoT0) + len(sc.Files.OrthoT1) + len(sc.Files.DSMT0) + len(sc.Files.DSMT1) + len(sc.Files.LidarT0) + len(sc.Files.LidarT1) + len(sc.Files.Truth) + 2

	n := g.city.Census()
	cnt := Counts{
		Sheets: len(g.sheets), Files: files,
		BuildingsT0: n.BuildingsT0, BuildingsT1: n.BuildingsT1, Trees: n.Trees, CarsT0: n.CarsT0, CarsT1: n.CarsT1,
		Events: EventCounts{Construction: n.Construction, Demolition: n.Demolition, Extension: n.Extension},
	}
	cnt.ChangedPixels, cnt.TruthPixels = g.truth.changed, g.truth.pixels
	if g.truth.pixels > 0 {
		cnt.ChangedShare = roundTo(float64(g.truth.changed)/float64(g.truth.pixels), 6)
	}
	cnt.DHMin, cnt.DHMax = roundTo(g.truth.dhMin, 3), roundTo(g.truth.dhMax, 3)
	sc.Counts = cnt

	d := DefectReport{Requested: opt.Defects.String(), Stripes: []StripedFile{}, BiasM: opt.Defects.Bias, ShiftM: [2]float64{opt.Defects.Shift, 0}}
	for si, st := range g.plan.stripes {
		if st != nil {
			d.Stripes = append(d.Stripes, StripedFile{File: g.sheets[si].file(dirDSMT1), Stripes: st})
		}
	}
	d.Corrupt = g.corrupt
	if g.plan.missing >= 0 {
		s := g.sheets[g.plan.missing]
		d.Missing = &MissingSheet{Sheet: s.id, Epoch: "t1", Files: []string{s.file(dirDSMT1), s.file(dirOrthoT1)}}
		if opt.Lidar {
			d.Missing.Files = append(d.Missing.Files, s.lidarFile(1))
		}
	}
	sc.Defects = d
	return sc
}

// job is one file to write.
type job struct {
	name string
	run  func(ctx context.Context) error
}

// runJobs runs jobs on a bounded pool; the first failure cancels the rest and
// is the error returned, naming its file.
func runJobs(ctx context.Context, jobs []job, workers int, progress func(done, total int)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	if progress != nil {
		progress(0, len(jobs))
	}
	for range max(1, min(workers, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if ctx.Err() != nil {
					continue
				}
				if err := j.run(ctx); err != nil {
					cancel(fmt.Errorf("synth: write %s: %w", j.name, err))
					continue
				}
				if progress != nil {
					mu.Lock()
					done++
					progress(done, len(jobs))
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file and renames it into place,
// so a reader never sees half a file.
func writeFileAtomic(p string, data []byte) error {
	if err := atomicfile.WriteFile(p, data); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
