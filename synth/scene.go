package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/als"
	"github.com/cdflow/cdflow/synth/internal/camera"
	"github.com/cdflow/cdflow/synth/internal/world"
)

// Generator names this generator's output format in scene.json; bump it when
// the same options start giving different files.
const Generator = "cdflow-synth/2"

// Scene is what scene.json holds: the parameters, what was made and where,
// the truth's headline numbers, the realism figures, every change and every
// defect. Keys come out in field order; there is no timestamp, so the same
// options give the same bytes.
type Scene struct {
	Generator  string         `json:"generator"`
	Seed       int64          `json:"seed"`
	ExtentKm   [2]float64     `json:"extent_km"`
	SheetKm    float64        `json:"sheet_km"`
	CRS        string         `json:"crs"`
	PointsCRS  string         `json:"points_crs"`
	Bounds     [4]float64     `json:"bounds"` // min E, min N, max E, max N
	Resolution Resolutions    `json:"resolution_m"`
	DSMNoData  float64        `json:"dsm_nodata"`
	Epochs     []Epoch        `json:"epochs"`
	Sheets     []Sheet        `json:"sheets"`
	Files      Files          `json:"files"`
	Counts     Counts         `json:"counts"`
	Realism    Realism        `json:"realism"`
	Changes    []ChangeRecord `json:"changes"`
	Defects    DefectReport   `json:"defects"`
}

// Resolutions are the pixel sizes of the products, metres.
type Resolutions struct {
	Ortho       float64 `json:"ortho"`
	DSM         float64 `json:"dsm"`
	TruthDH     float64 `json:"truth_dh"`
	TruthChange float64 `json:"truth_change"`
}

// Epoch is one epoch's flights: the photo flight (its time dates the
// epoch) and the LiDAR survey.
type Epoch struct {
	Name     string     `json:"name"`
	Datetime string     `json:"datetime"` // the photo flight, UTC
	Sun      Sun        `json:"sun"`
	Camera   CameraInfo `json:"camera"`
	Lidar    LidarInfo  `json:"lidar"`
}

// Sun is the sun's position during the photo flight, degrees.
type Sun struct {
	Azimuth   float64 `json:"azimuth_deg"`
	Elevation float64 `json:"elevation_deg"`
}

// Sheet is one delivery sheet: the unit the orthophotos, DSMs and point
// clouds are cut in.
type Sheet struct {
	ID     string     `json:"id"`     // E<easting>_N<northing> of the lower-left corner
	Bounds [4]float64 `json:"bounds"` // min E, min N, max E, max N
}

// Files lists every file written, relative to the scene directory, with
// forward slashes, sorted. A truncated file is listed (it was written); a
// missing sheet's t1 files are not. DefectReport names both.
type Files struct {
	OrthoT0       []string `json:"ortho_t0"`
	OrthoT1       []string `json:"ortho_t1"`
	DSMT0         []string `json:"dsm_t0"`
	DSMT1         []string `json:"dsm_t1"`
	PointsT0      []string `json:"points_t0"`
	PointsT1      []string `json:"points_t1"`
	Truth         []string `json:"truth"`
	Workflow      string   `json:"workflow"`
	WorkflowLidar string   `json:"workflow_lidar"`
	Preview       string   `json:"preview,omitempty"`
}

// Counts are the scene's contents within the extent and its truth statistics.
type Counts struct {
	Sheets             int              `json:"sheets"`
	Blocks             int              `json:"blocks"`
	Files              int              `json:"files"` // files written, scene.json included
	World              world.Census     `json:"world"`
	Events             map[string]int   `json:"events"`              // changes by what changed
	ChangedPixels      int64            `json:"changed_pixels"`      // non-zero in truth/change.tif
	ConstructionPixels int64            `json:"construction_pixels"` // 1s
	DemolitionPixels   int64            `json:"demolition_pixels"`   // 2s
	TruthPixels        int64            `json:"truth_pixels"`        // all pixels of truth/change.tif
	ChangedShare       float64          `json:"changed_share"`       // ChangedPixels / TruthPixels
	OtherPixels        map[string]int64 `json:"other_change_pixels"` // truth/other_change.tif by kind
	DHMin              float64          `json:"dh_min_m"`            // true ΔH over building changes
	DHMax              float64          `json:"dh_max_m"`
}

// Products: directory names, which are also file name prefixes.
const (
	dirOrthoT0  = "ortho_t0"
	dirOrthoT1  = "ortho_t1"
	dirDSMT0    = "dsm_t0"
	dirDSMT1    = "dsm_t1"
	dirPointsT0 = "points_t0"
	dirPointsT1 = "points_t1"
	dirTruth    = "truth"

	fileTruthDH        = "truth/dh.tif"
	fileTruthChange    = "truth/change.tif"
	fileTruthOther     = "truth/other_change.tif"
	fileTruthFootprint = "truth/change_footprint.tif"
	fileTruthDSMT0     = "truth/dsm_t0.tif"
	fileTruthDSMT1     = "truth/dsm_t1.tif"
	fileScene          = "scene.json"
	fileWorkflow       = "workflow.hcl"
	fileWorkflowLidar  = "workflow-lidar.hcl"
	filePreview        = "preview.png"

	// PointsCRS is the point files' compound CRS: ETRS89 / UTM 30N +
	// EGM08-REDNAP heights, as PNOA-LiDAR declares it.
	PointsCRS = "EPSG:25830+5782"
)

// DefaultLidarDensity is pulses per m² of each epoch: PNOA-LiDAR's first
// coverage (2009–2015, 0.5) and a denser later one.
var DefaultLidarDensity = [2]float64{0.5, 2}

var epochYears = [2]int{2010, 2017}

func orthoDir(epoch int) string  { return [2]string{dirOrthoT0, dirOrthoT1}[epoch] }
func dsmDir(epoch int) string    { return [2]string{dirDSMT0, dirDSMT1}[epoch] }
func pointsDir(epoch int) string { return [2]string{dirPointsT0, dirPointsT1}[epoch] }

// pointsFile is the sheet's point-cloud file of an epoch.
func (s sheet) pointsFile(epoch int) string {
	d := pointsDir(epoch)
	return d + "/" + d + "_" + s.id + ".laz"
}

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
	opt     Options
	out     string
	crs     raster.CRS
	world   *world.World
	cams    [2]*camera.Flight
	camP    [2]camera.Params
	surveys [2]*als.Survey
	alsP    [2]als.Params
	halo    float64 // metres painted beyond a block
	w, h    float64 // extent, metres
	sheets  []sheet
	sheetM  int
	plan    *defectPlanned

	sheetOuts []*sheetOut
	truthOut  truthFiles
	preview   *preview

	mu      sync.Mutex
	corrupt *CorruptFile
	stats   stats
}

// Generate writes a synthetic two-epoch scene into opt.Out and returns what
// scene.json records. The directory may be new, empty, or hold an earlier
// scene (whose products are replaced); anything else is refused.
func Generate(ctx context.Context, opt Options) (*Scene, error) {
	w, h, sm, err := opt.validate()
	if err != nil {
		return nil, err
	}
	if opt.LidarDensity == [2]float64{} {
		opt.LidarDensity = DefaultLidarDensity
	}
	crs, err := raster.CRSFromEPSG(EPSG)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	g := &generator{opt: opt, out: opt.Out, crs: crs, w: float64(w), h: float64(h), sheets: cutSheets(w, h, sm), sheetM: sm, stats: newStats()}
	if g.plan, err = planDefects(opt.Defects, opt.Seed, g.sheets); err != nil {
		return nil, err
	}
	g.world = world.New(opt.Seed, g.w, g.h)
	if err := g.newSensors(); err != nil {
		return nil, err
	}
	if err := prepareOut(opt.Out); err != nil {
		return nil, err
	}
	blocks, per := cutBlocks(g.sheets)
	g.sheetOuts = make([]*sheetOut, len(g.sheets))
	for si := range g.sheets {
		so := &sheetOut{blocks: per[si]}
		so.cond = sync.NewCond(&so.mu)
		g.sheetOuts[si] = so
	}
	g.preview = newPreview(opt.Preview, g.w, g.h, opt.LidarDensity)
	if err := g.openTruth(ctx); err != nil {
		g.abortTruth()
		return nil, err
	}
	if err := g.runBlocks(ctx, blocks); err != nil {
		g.abortSheets()
		g.abortTruth()
		return nil, err
	}
	if err := g.closeTruth(); err != nil {
		return nil, err
	}
	sc := g.scene(len(blocks))
	if opt.Preview {
		data, err := g.preview.png()
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(filepath.Join(g.out, filePreview), data); err != nil {
			return nil, err
		}
	}
	if err := writeFileAtomic(filepath.Join(g.out, fileWorkflow), []byte(workflowHCL(sc, false))); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(g.out, fileWorkflowLidar), []byte(workflowHCL(sc, true))); err != nil {
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

// newSensors plans both epochs' photo flights and LiDAR surveys, and the
// halo a block is painted with so every sensor sees what it needs.
func (g *generator) newSensors() error {
	ground := g.world.Ground
	tall := g.world.MaxHeightAboveGround()
	for e := range 2 {
		g.camP[e] = camera.DefaultParams(e)
		f, err := camera.NewFlight(g.opt.Seed, e, g.w, g.h, ground, tall, g.camP[e])
		if err != nil {
			return fmt.Errorf("synth: camera of t%d: %w", e, err)
		}
		g.cams[e] = f
		g.alsP[e] = als.DefaultParams(e)
		g.alsP[e].Density = g.opt.LidarDensity[e]
		g.alsP[e].MaxAboveGround = max(g.alsP[e].MaxAboveGround, tall+5)
		sv, err := als.NewSurvey(g.opt.Seed, e, g.w, g.h, ground, g.alsP[e])
		if err != nil {
			return fmt.Errorf("synth: LiDAR survey of t%d: %w", e, err)
		}
		g.surveys[e] = sv
		g.halo = max(g.halo, f.Halo(), sv.Spill()+sv.Halo())
	}
	return nil
}

// flightDay is the day of the year of an epoch's flight.
func (g *generator) flightDay(e int) int { return g.camP[e].Date.YearDay() }

// prepareOut creates dir, or clears an earlier scene's products from it. A
// directory is taken as an earlier scene when it holds scene.json or only
// entries the generator writes (an interrupted run); anything else is refused
// rather than mixed with a scene.
func prepareOut(dir string) error {
	// lidar_t0 and lidar_t1 are where scenes of cdflow-synth/1 kept points.
	ours := []string{fileScene, fileWorkflow, fileWorkflowLidar, filePreview, dirOrthoT0, dirOrthoT1, dirDSMT0, dirDSMT1, dirTruth, dirPointsT0, dirPointsT1, "lidar_t0", "lidar_t1"}
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
	for _, sub := range []string{dirOrthoT0, dirOrthoT1, dirDSMT0, dirDSMT1, dirTruth, dirPointsT0, dirPointsT1} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
	}
	return nil
}

// runBlocks makes the blocks on a pool of workers, in order, so that
// a sheet's blocks finish close together and its files close early.
func (g *generator) runBlocks(ctx context.Context, blocks []block) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(ctx, g.wakeSheets)
	defer stop()
	workers := max(1, min(runtime.GOMAXPROCS(0), len(blocks)))
	next := make(chan block)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	if g.opt.Progress != nil {
		g.opt.Progress(0, len(blocks))
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := newWorker()
			for b := range next {
				if ctx.Err() != nil {
					continue
				}
				if err := g.doBlock(ctx, wk, b); err != nil {
					cancel(fmt.Errorf("synth: sheet %s, block %d: %w", g.sheets[b.si].id, b.bi, err))
					continue
				}
				mu.Lock()
				done++
				if g.opt.Progress != nil {
					g.opt.Progress(done, len(blocks))
				}
				mu.Unlock()
			}
			g.mu.Lock()
			g.stats.add(&wk.stats)
			g.mu.Unlock()
		}()
	}
	for _, b := range blocks {
		next <- b
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// scene assembles what scene.json records, after every file is written.
func (g *generator) scene(blocks int) *Scene {
	opt := g.opt
	sc := &Scene{
		Generator:  Generator,
		Seed:       opt.Seed,
		ExtentKm:   [2]float64{g.w / 1000, g.h / 1000},
		SheetKm:    float64(g.sheetM) / 1000,
		CRS:        "EPSG:" + strconv.Itoa(EPSG),
		PointsCRS:  PointsCRS,
		Bounds:     [4]float64{OriginE, OriginN, OriginE + g.w, OriginN + g.h},
		Resolution: Resolutions{OrthoRes, DSMRes, TruthDHRes, TruthChangeRes},
		DSMNoData:  DSMNoData,
	}
	for e := range 2 {
		az, el := g.cams[e].Sun()
		sc.Epochs = append(sc.Epochs, Epoch{
			Name: "t" + strconv.Itoa(e), Datetime: g.camP[e].Date.UTC().Format("2006-01-02T15:04:05Z"),
			Sun:    Sun{Azimuth: roundTo(az, 2), Elevation: roundTo(el, 2)},
			Camera: cameraInfo(g.camP[e]),
			Lidar:  lidarInfo(g.alsP[e]),
		})
	}
	for si, s := range g.sheets {
		sc.Sheets = append(sc.Sheets, Sheet{ID: s.id, Bounds: [4]float64{OriginE + float64(s.x0), OriginN + float64(s.y0), OriginE + float64(s.x1), OriginN + float64(s.y1)}})
		sc.Files.OrthoT0 = append(sc.Files.OrthoT0, s.file(dirOrthoT0))
		sc.Files.DSMT0 = append(sc.Files.DSMT0, s.file(dirDSMT0))
		sc.Files.PointsT0 = append(sc.Files.PointsT0, s.pointsFile(0))
		if si != g.plan.missing {
			sc.Files.OrthoT1 = append(sc.Files.OrthoT1, s.file(dirOrthoT1))
			sc.Files.DSMT1 = append(sc.Files.DSMT1, s.file(dirDSMT1))
			sc.Files.PointsT1 = append(sc.Files.PointsT1, s.pointsFile(1))
		}
	}
	sc.Files.Truth = []string{fileTruthChange, fileTruthFootprint, fileTruthDH, fileTruthDSMT0, fileTruthDSMT1, fileTruthOther}
	sc.Files.Workflow = fileWorkflow
	sc.Files.WorkflowLidar = fileWorkflowLidar
	files := len(sc.Files.OrthoT0) + len(sc.Files.OrthoT1) + len(sc.Files.DSMT0) + len(sc.Files.DSMT1) + len(sc.Files.PointsT0) + len(sc.Files.PointsT1) + len(sc.Files.Truth) + 3
	if opt.Preview {
		sc.Files.Preview = filePreview
		files++
	}

	st := &g.stats
	cnt := Counts{Sheets: len(g.sheets), Blocks: blocks, Files: files, World: g.world.Census(), Events: map[string]int{}, OtherPixels: map[string]int64{}}
	sc.Changes = []ChangeRecord{}
	for _, ch := range g.world.Changes() {
		// The world is laid out beyond the extent; its changes there are not the scene's.
		if !g.inScene(ch.Outline) {
			continue
		}
		cnt.Events[ch.What]++
		sc.Changes = append(sc.Changes, changeRecord(ch))
	}
	cnt.ConstructionPixels, cnt.DemolitionPixels = st.change[1], st.change[2]
	cnt.ChangedPixels = st.change[1] + st.change[2]
	cnt.TruthPixels = st.change[0] + cnt.ChangedPixels
	if cnt.TruthPixels > 0 {
		cnt.ChangedShare = roundTo(float64(cnt.ChangedPixels)/float64(cnt.TruthPixels), 6)
	}
	for c := 3; c < 8; c++ {
		if st.other[c] > 0 {
			cnt.OtherPixels[otherNames[c]] = st.other[c]
		}
	}
	if !math.IsInf(st.dhMin, 0) {
		cnt.DHMin, cnt.DHMax = roundTo(st.dhMin, 3), roundTo(st.dhMax, 3)
	}
	sc.Counts = cnt
	sc.Realism = g.realism()

	d := DefectReport{Requested: opt.Defects.String(), Stripes: []StripedFile{}, BiasM: opt.Defects.Bias, ShiftM: [2]float64{opt.Defects.Shift, 0}}
	for si, stp := range g.plan.stripes {
		if stp != nil {
			d.Stripes = append(d.Stripes, StripedFile{File: g.sheets[si].file(dirDSMT1), Stripes: stp})
		}
	}
	d.Corrupt = g.corrupt
	if g.plan.missing >= 0 {
		s := g.sheets[g.plan.missing]
		d.Missing = &MissingSheet{Sheet: s.id, Epoch: "t1", Files: []string{s.file(dirDSMT1), s.file(dirOrthoT1), s.pointsFile(1)}}
	}
	sc.Defects = d
	return sc
}

// inScene reports whether a local outline reaches into the scene's extent.
func (g *generator) inScene(outline [][2]float64) bool {
	if len(outline) == 0 {
		return false
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range outline {
		x0, y0, x1, y1 = min(x0, p[0]), min(y0, p[1]), max(x1, p[0]), max(y1, p[1])
	}
	return x1 > 0 && y1 > 0 && x0 < g.w && y0 < g.h
}

// writeFileAtomic writes data to a temporary file and renames it into place,
// so a reader never sees half a file.
func writeFileAtomic(p string, data []byte) error {
	if err := atomicfile.WriteFile(p, data); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
