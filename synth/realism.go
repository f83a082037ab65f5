package synth

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cdflow/cdflow/synth/internal/als"
	"github.com/cdflow/cdflow/synth/internal/camera"
	"github.com/cdflow/cdflow/synth/internal/world"
)

// Realism is the scene in figures, to hold against real data: point
// density per epoch and class, what covers the ground, building heights,
// tree cover. scene.json records it; the README quotes it.
type Realism struct {
	Epochs [2]EpochRealism `json:"epochs"`
}

// EpochRealism is one epoch's figures over the scene's extent.
type EpochRealism struct {
	Name            string             `json:"name"`
	PointsPerM2     float64            `json:"points_per_m2"` // every return
	FirstPerM2      float64            `json:"first_returns_per_m2"`
	ByClassPerM2    map[string]float64 `json:"points_per_m2_by_class"` // as classified in the files
	ClassErrorShare float64            `json:"class_error_share"`      // returns classified unlike the truth, noise aside
	Cover           map[string]float64 `json:"cover_share"`            // of 0.25 m cells: building, vegetation, road, water, other
	TreeCover       float64            `json:"tree_cover_share"`       // cells under a crown
	BuildingHeights []HeightBin        `json:"building_heights"`       // building cells by height above ground
}

// HeightBin is a share of building cells in [FromM, ToM).
type HeightBin struct {
	FromM float64 `json:"from_m"`
	ToM   float64 `json:"to_m"`
	Share float64 `json:"share"`
}

var classNames = map[int]string{
	1: "unclassified", 2: "ground", 3: "low_vegetation", 4: "medium_vegetation", 5: "high_vegetation",
	6: "building", 7: "low_noise", 9: "water", 17: "bridge", 18: "high_noise",
}

func (g *generator) realism() Realism {
	st := &g.stats
	area := g.w * g.h
	var r Realism
	for e := range 2 {
		er := EpochRealism{Name: "t" + strconv.Itoa(e), ByClassPerM2: map[string]float64{}, Cover: map[string]float64{}}
		var all, noise int64
		for c, n := range st.points[e] {
			if n == 0 {
				continue
			}
			all += n
			if c == 7 || c == 18 {
				noise += n
			}
			name, ok := classNames[c]
			if !ok {
				name = "class_" + strconv.Itoa(c)
			}
			er.ByClassPerM2[name] = roundTo(float64(n)/area, 4)
		}
		er.PointsPerM2 = roundTo(float64(all)/area, 4)
		er.FirstPerM2 = roundTo(float64(st.firsts[e])/area, 4)
		if all > noise {
			er.ClassErrorShare = roundTo(float64(st.misclass[e])/float64(all-noise), 4)
		}
		cells := float64(st.cells[e])
		if cells > 0 {
			for c, name := range []string{"building", "vegetation", "road", "water", "other"} {
				er.Cover[name] = roundTo(float64(st.cover[e][c])/cells, 4)
			}
			er.TreeCover = roundTo(float64(st.trees[e])/cells, 4)
		}
		var bsum int64
		for _, n := range st.heights[e] {
			bsum += n
		}
		er.BuildingHeights = []HeightBin{}
		for b, n := range st.heights[e] {
			if n == 0 || bsum == 0 {
				continue
			}
			er.BuildingHeights = append(er.BuildingHeights, HeightBin{FromM: float64(3 * b), ToM: float64(3 * (b + 1)), Share: roundTo(float64(n)/float64(bsum), 4)})
		}
		r.Epochs[e] = er
	}
	return r
}

// ChangeRecord is one change object in scene.json, in the scene's CRS.
type ChangeRecord struct {
	ID       int          `json:"id"`
	Kind     string       `json:"kind"` // construction, demolition, vegetation, vehicle, terrain, temporary, renovation
	What     string       `json:"what"`
	Outline  [][2]float64 `json:"outline"` // E, N; the polygon closes implicitly
	HeightT0 float64      `json:"height_t0_m"`
	HeightT1 float64      `json:"height_t1_m"`
}

func changeRecord(ch world.Change) ChangeRecord {
	r := ChangeRecord{ID: ch.ID, Kind: ch.Kind.String(), What: ch.What, HeightT0: roundTo(ch.HeightT0, 2), HeightT1: roundTo(ch.HeightT1, 2)}
	r.Outline = make([][2]float64, len(ch.Outline))
	for k, p := range ch.Outline {
		r.Outline[k] = [2]float64{roundTo(OriginE+p[0], 3), roundTo(OriginN+p[1], 3)}
	}
	return r
}

// CameraInfo is the photo flight in scene.json.
type CameraInfo struct {
	FocalMM        float64 `json:"focal_mm"`
	PixelUM        float64 `json:"pixel_um"`
	GSD            float64 `json:"gsd_m"`
	FlyingHeightM  float64 `json:"flying_height_m"` // above the ground
	ForwardOverlap float64 `json:"forward_overlap"`
	SideOverlap    float64 `json:"side_overlap"`
}

func cameraInfo(p camera.Params) CameraInfo {
	return CameraInfo{
		FocalMM: p.FocalMM, PixelUM: p.PixelUM, GSD: p.GSD,
		FlyingHeightM:  roundTo(p.FlyingHeight(), 1),
		ForwardOverlap: p.ForwardOverlap, SideOverlap: p.SideOverlap,
	}
}

// LidarInfo is the LiDAR survey in scene.json.
type LidarInfo struct {
	PulsesPerM2  float64 `json:"pulses_per_m2"` // nominal, overlap included
	AltitudeM    float64 `json:"flying_height_m"`
	HalfAngleDeg float64 `json:"scan_half_angle_deg"`
	SideOverlap  float64 `json:"side_overlap"`
	SigmaZ       float64 `json:"sigma_z_m"`
	SigmaXY      float64 `json:"sigma_xy_m"`
	StripSigma   float64 `json:"strip_misalignment_sigma_m"`
}

func lidarInfo(p als.Params) LidarInfo {
	return LidarInfo{
		PulsesPerM2: p.Density, AltitudeM: p.Altitude, HalfAngleDeg: p.HalfAngle, SideOverlap: p.SideOverlap,
		SigmaZ: p.SigmaZ, SigmaXY: p.SigmaXY, StripSigma: p.StripSigma,
	}
}

// DescribeEvents lists change counts by what changed, most frequent first,
// e.g. "412 vehicle, 35 tree_grown, 6 new_building".
func DescribeEvents(ev map[string]int) string {
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range ev {
		all = append(all, kv{k, n})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.k, b.k)
	})
	parts := make([]string, len(all))
	for i, e := range all {
		parts[i] = strconv.Itoa(e.n) + " " + e.k
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// roundTo rounds v to n decimals. Dividing the rounded integer (rather than
// multiplying by 10^-n) gives the double nearest the decimal, so JSON prints it short.
func roundTo(v float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(v*p) / p
}
