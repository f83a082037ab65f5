package synth

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Scene placement and products: fixed so that every scene looks like a part
// of the 3DCD area (Valladolid, ETRS89 / UTM 30N) and matches the workflow.
const (
	EPSG    = 25830     // ETRS89 / UTM zone 30N
	OriginE = 355000.0  // easting of the scene's lower-left corner
	OriginN = 4610000.0 // northing of the scene's lower-left corner

	OrthoRes       = 0.25 // m, like the PNOA orthophotos
	DSMRes         = 1.0  // m, like the DSMs rasterized from PNOA LiDAR
	TruthDHRes     = 1.0  // m, the 3D change map
	TruthChangeRes = 0.5  // m, the 2D change map
	DSMNoData      = -9999.0

	// maxExtentM bounds a scene side: the scene-wide truth rasters must stay
	// well below the classic-TIFF 4 GiB limit and the feature lists small.
	maxExtentM = 20000
	// minExtentM keeps sheets large enough to hold a building and a defect.
	minExtentM = 50
)

// Options say what to generate. The zero value is not valid: Out is required
// and ExtentKm and SheetKm must be positive; DefaultOptions gives the CLI defaults.
type Options struct {
	Out      string     // output directory, created if missing
	ExtentKm [2]float64 // scene size, x (east) then y (north), km
	SheetKm  float64    // side of one delivery sheet, km
	Seed     int64      // everything random derives from it
	Defects  Defects    // data defects to inject; zero means none
	// LidarDensity is the simulated LiDAR's pulses per m² of each epoch
	// (zero: DefaultLidarDensity).
	LidarDensity [2]float64
	// Preview also writes preview.png, a contact sheet of the scene.
	Preview bool
	// Progress, when set, hears after each block made how many of the
	// scene's blocks are done; calls come one at a time.
	Progress func(done, total int)
}

// DefaultOptions returns the options `cdflow synth` starts from.
func DefaultOptions(out string) Options {
	return Options{Out: out, ExtentKm: [2]float64{2, 2}, SheetKm: 1, Seed: 1}
}

// Defects are the data problems the real 3DCD inputs have, injected on
// request so that a QA step can be scored against scene.json.
type Defects struct {
	Stripes bool    // rows of nodata and of zeros in some t1 DSM sheets
	Corrupt bool    // one t1 DSM file truncated to half its bytes
	Missing bool    // one sheet absent from epoch t1 (orthophoto and DSM)
	Bias    float64 // metres added to every t1 DSM value; 0 means none
	Shift   float64 // metres the whole t1 world moves east; 0 means none
}

// Default magnitudes when a defect is named without a value.
const (
	defaultBias  = 0.3
	defaultShift = 0.5
)

// None reports whether no defect is requested.
func (d Defects) None() bool { return d == Defects{} }

// String is the canonical list ParseDefects reads back, "none" when empty.
func (d Defects) String() string {
	var parts []string
	if d.Stripes {
		parts = append(parts, "stripes")
	}
	if d.Corrupt {
		parts = append(parts, "corrupt")
	}
	if d.Missing {
		parts = append(parts, "missing")
	}
	if d.Bias != 0 {
		parts = append(parts, "bias="+strconv.FormatFloat(d.Bias, 'g', -1, 64))
	}
	if d.Shift != 0 {
		parts = append(parts, "shift="+strconv.FormatFloat(d.Shift, 'g', -1, 64))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// ParseDefects reads a comma-separated defect list such as
// "stripes,corrupt,missing,bias=0.3,shift=0.5". "bias" and "shift" without a
// value mean 0.3 m and 0.5 m; "" and "none" mean no defect.
func ParseDefects(s string) (Defects, error) {
	var d Defects
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return d, nil
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		name, value, hasValue := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		value = strings.TrimSpace(value)
		if name == "" {
			return Defects{}, fmt.Errorf("defects %q: empty item; write e.g. stripes,bias=0.3", s)
		}
		if seen[name] {
			return Defects{}, fmt.Errorf("defects %q: %s given twice", s, name)
		}
		seen[name] = true
		switch name {
		case "stripes", "corrupt", "missing":
			if hasValue {
				return Defects{}, fmt.Errorf("defects %q: %s takes no value", s, name)
			}
			switch name {
			case "stripes":
				d.Stripes = true
			case "corrupt":
				d.Corrupt = true
			case "missing":
				d.Missing = true
			}
		case "bias", "shift":
			v := defaultBias
			if name == "shift" {
				v = defaultShift
			}
			if hasValue {
				var err error
				v, err = strconv.ParseFloat(value, 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return Defects{}, fmt.Errorf("defects %q: %s=%s is not a number of metres", s, name, value)
				}
			}
			limit := 100.0
			if name == "shift" {
				limit = 50
			}
			if v == 0 || math.Abs(v) > limit {
				return Defects{}, fmt.Errorf("defects %q: %s must be non-zero and at most %g m in size", s, name, limit)
			}
			if name == "bias" {
				d.Bias = v
			} else {
				d.Shift = v
			}
		default:
			return Defects{}, fmt.Errorf("defects %q: unknown defect %q; known: stripes, corrupt, missing, bias=M, shift=M", s, name)
		}
	}
	return d, nil
}

// ParseDensity reads the two epochs' LiDAR densities, e.g. "0.5,2".
func ParseDensity(s string) ([2]float64, error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return [2]float64{}, fmt.Errorf("lidar density %q: give both epochs', e.g. 0.5,2", s)
	}
	var out [2]float64
	for i, v := range []string{a, b} {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f > 0 && f <= 50) {
			return [2]float64{}, fmt.Errorf("lidar density %q: %q is not a density between 0 and 50 pulses/m²", s, v)
		}
		out[i] = f
	}
	return out, nil
}

// ParseExtent reads "WxH" in kilometres, e.g. "2x2" or "4x5" or "0.4x0.4".
func ParseExtent(s string) ([2]float64, error) {
	a, b, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if !ok {
		return [2]float64{}, fmt.Errorf("extent %q: want WIDTHxHEIGHT in km, e.g. 2x2", s)
	}
	var e [2]float64
	for i, v := range []string{a, b} {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return [2]float64{}, fmt.Errorf("extent %q: %q is not a positive number of km", s, v)
		}
		e[i] = f
	}
	return e, nil
}

// wholeMetres converts km to metres and insists on whole metres, so every
// sheet and every raster of every resolution sits on one pixel lattice.
func wholeMetres(what string, km float64) (int, error) {
	m := km * 1000
	r := math.Round(m)
	if !(km > 0) || math.IsInf(km, 0) || math.Abs(m-r) > 1e-6 || r < 1 {
		return 0, fmt.Errorf("%s %g km: must be a positive whole number of metres", what, km)
	}
	if r < minExtentM {
		return 0, fmt.Errorf("%s %g km: at least %g km", what, km, minExtentM/1000.0)
	}
	if r > maxExtentM {
		return 0, fmt.Errorf("%s %g km: at most %d km", what, km, maxExtentM/1000)
	}
	return int(r), nil
}

// validate checks the options and returns the scene and sheet sizes in metres.
func (o Options) validate() (w, h, sheet int, err error) {
	if o.Out == "" {
		return 0, 0, 0, errors.New("no output directory given")
	}
	if w, err = wholeMetres("extent width", o.ExtentKm[0]); err != nil {
		return 0, 0, 0, err
	}
	if h, err = wholeMetres("extent height", o.ExtentKm[1]); err != nil {
		return 0, 0, 0, err
	}
	if sheet, err = wholeMetres("sheet size", o.SheetKm); err != nil {
		return 0, 0, 0, err
	}
	if d := o.Defects; math.IsNaN(d.Bias) || math.IsInf(d.Bias, 0) || math.IsNaN(d.Shift) || math.IsInf(d.Shift, 0) {
		return 0, 0, 0, fmt.Errorf("defects %s: bias and shift must be finite", d)
	}
	for _, d := range o.LidarDensity {
		if o.LidarDensity != [2]float64{} && !(d > 0 && d <= 50) {
			return 0, 0, 0, fmt.Errorf("lidar density %g pulses/m²: give each epoch's between 0 and 50, e.g. 0.5,2", d)
		}
	}
	return w, h, sheet, nil
}
