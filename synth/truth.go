package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"

	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/city"
)

// The truth describes the real change in the true (t0) frame: building
// height change only, never trees or cars, and untouched by the defects (a
// biased, shifted or missing t1 does not change what happened on the ground).
// The city model rasterizes it; this file streams it to disk.

type truthStats struct {
	changed, pixels int64   // of truth/change.tif
	dhMin, dhMax    float64 // of truth/dh.tif
}

// truthStrip is how many rows of a scene-wide truth raster are made at once:
// the rasters are streamed to disk, so memory does not grow with the extent.
const truthStrip = 256

// sceneGrid is the grid of a scene-wide raster at resolution res.
func (g *generator) sceneGrid(res float64) raster.Grid {
	return raster.Grid{
		CRS:          g.crs,
		GeoTransform: [6]float64{OriginE, res, 0, OriginN + g.h, 0, -res},
		Width:        int(g.w / res),
		Height:       int(g.h / res),
	}
}

// streamTruth writes a scene-wide single-band raster strip by strip.
func streamTruth[T raster.Pixel](ctx context.Context, g *generator, rel string, res float64, draw func(win city.Window, out []T)) error {
	grid := g.sceneGrid(res)
	w, err := raster.CreateGeoTIFF[T](ctx, filepath.Join(g.out, filepath.FromSlash(rel)), grid, 1, nil)
	if err != nil {
		return err
	}
	buf := make([]T, grid.Width*truthStrip)
	for y := 0; y < grid.Height; y += truthStrip {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return err
		}
		rows := min(truthStrip, grid.Height-y)
		vals := buf[:grid.Width*rows]
		clear(vals)
		draw(city.NewWindow(0, g.h-float64(y)*res, res, grid.Width, rows, 0), vals)
		img := &raster.Image[T]{Grid: raster.Grid{Width: grid.Width, Height: rows}, Bands: [][]T{vals}}
		if err := w.WriteBlock(0, y, img); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

func (g *generator) writeTruthDH(ctx context.Context) error {
	var lo, hi float64
	err := streamTruth(ctx, g, fileTruthDH, TruthDHRes, func(win city.Window, out []float32) {
		g.city.TruthDH(win, out)
		for _, v := range out {
			lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
		}
	})
	g.mu.Lock()
	g.truth.dhMin, g.truth.dhMax = lo, hi
	g.mu.Unlock()
	return err
}

func (g *generator) writeTruthChange(ctx context.Context) error {
	var changed, pixels int64
	err := streamTruth(ctx, g, fileTruthChange, TruthChangeRes, func(win city.Window, out []uint8) {
		g.city.TruthChange(win, out)
		for _, v := range out {
			changed += int64(v)
		}
		pixels += int64(len(out))
	})
	g.mu.Lock()
	g.truth.changed, g.truth.pixels = changed, pixels
	g.mu.Unlock()
	return err
}

// GeoJSON of changes.geojson. The "crs" member is from the 2008 GeoJSON
// spec (RFC 7946 dropped it); GDAL and QGIS read it, so the UTM coordinates
// are not taken for longitudes and latitudes.
type geoFeatureCollection struct {
	Type     string       `json:"type"`
	Name     string       `json:"name"`
	CRS      geoCRS       `json:"crs"`
	Features []geoFeature `json:"features"`
}

type geoCRS struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
}

type geoFeature struct {
	Type       string        `json:"type"`
	ID         int           `json:"id"`
	Properties ChangeFeature `json:"properties"`
	Geometry   geoPolygon    `json:"geometry"`
}

type geoPolygon struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

// ChangeFeature is the properties of one changed building in changes.geojson.
type ChangeFeature struct {
	ID       int     `json:"id"`
	Kind     string  `json:"kind"`        // construction | demolition | extension
	DH       float64 `json:"dh"`          // m, change at the highest point (t1 top − t0 top)
	HeightT0 float64 `json:"height_t0"`   // m above ground, 0 if no building
	HeightT1 float64 `json:"height_t1"`   // m above ground, 0 if no building
	Roof     string  `json:"roof"`        // flat | gable
	AreaM2   float64 `json:"area_m2"`     // footprint area
	Sheet    string  `json:"sheet_at_sw"` // sheet holding the footprint's south-west corner
}

func (g *generator) writeChangesGeoJSON(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fc := geoFeatureCollection{
		Type:     "FeatureCollection",
		Name:     "changes",
		CRS:      geoCRS{Type: "name", Properties: map[string]string{"name": fmt.Sprintf("urn:ogc:def:crs:EPSG::%d", EPSG)}},
		Features: []geoFeature{},
	}
	for k, ch := range g.city.Changes() {
		fp := ch.Footprint
		roof := "flat"
		if ch.Gable {
			roof = "gable"
		}
		x0, y0 := roundTo(OriginE+fp[0], 3), roundTo(OriginN+fp[1], 3)
		x1, y1 := roundTo(OriginE+fp[2], 3), roundTo(OriginN+fp[3], 3)
		fc.Features = append(fc.Features, geoFeature{
			Type: "Feature",
			ID:   k + 1,
			Properties: ChangeFeature{
				ID: k + 1, Kind: ch.Kind, DH: roundTo(ch.DH, 3),
				HeightT0: roundTo(ch.HeightT0, 3), HeightT1: roundTo(ch.HeightT1, 3), Roof: roof,
				AreaM2: roundTo((fp[2]-fp[0])*(fp[3]-fp[1]), 2), Sheet: g.sheetAt(fp[0], fp[1]),
			},
			Geometry: geoPolygon{Type: "Polygon", Coordinates: [][][2]float64{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}},
		})
	}
	data, err := json.MarshalIndent(fc, "", " ")
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return writeFileAtomic(filepath.Join(g.out, filepath.FromSlash(fileTruthChanges)), append(data, '\n'))
}

// sheetAt names the sheet holding local point (x, y).
func (g *generator) sheetAt(x, y float64) string {
	for _, s := range g.sheets {
		if x >= float64(s.x0) && x < float64(s.x1) && y >= float64(s.y0) && y < float64(s.y1) {
			return s.id
		}
	}
	return ""
}

// roundTo rounds v to n decimals. Dividing the rounded integer (rather than
// multiplying by 10^-n) gives the double nearest the decimal, so JSON prints it short.
func roundTo(v float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(v*p) / p
}
