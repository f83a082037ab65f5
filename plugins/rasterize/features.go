package rasterize

import (
	"fmt"
	"math"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
)

// ClassBuilding is the ASPRS class of building points (LAS 1.4, table 17):
// roofs and walls. Vehicles, containers, cranes and scaffolding are left
// unclassified (1) by production classifiers, vegetation is 3–5.
const ClassBuilding = 6

// The bands of the point features product, in order.
const (
	BandBuilding = iota // share of the cell's points classified building
	BandMulti           // share of the cell's pulses with more than one return
	featureBands
)

// FeaturesSuffix ends the name of the point features product:
// "<step name>_points".
const FeaturesSuffix = "_points"

// cellFeatures computes, on grid g, the point features of every cell: the
// share of its points classified building (all the points the source
// keeps), and the share of its pulses that gave several returns. Pulses
// are counted once each, by one return: the first (return number 0 or 1),
// or the last when the points hold no first return of a split pulse (a
// source keeping last returns) — so a pulse split in three by a crown
// counts once, and a cell's split pulses are not missed for their first
// return being filtered out. A cell with points but no such return counts
// its points instead. A cell without points is nodata in both bands.
func cellFeatures(g raster.Grid, pts *plugins.PointSet, nodata float32) ([featureBands][]float32, error) {
	var out [featureBands][]float32
	n := pts.Len()
	if len(pts.Y) != n || len(pts.Class) != n || len(pts.ReturnNumber) != n || len(pts.NumberOfReturns) != n {
		return out, fmt.Errorf("point features: the points carry no class or returns (%d points, %d classes, %d return numbers, %d numbers of returns)",
			n, len(pts.Class), len(pts.ReturnNumber), len(pts.NumberOfReturns))
	}
	minX, maxY, res := g.GeoTransform[0], g.GeoTransform[3], g.GeoTransform[1]
	if !(res > 0) || g.Width <= 0 || g.Height <= 0 {
		return out, fmt.Errorf("point features: invalid grid %d×%d at %g", g.Width, g.Height, res)
	}
	cells := g.Width * g.Height
	all := make([]int32, cells)
	building := make([]int32, cells)
	// first and firstMulti count the pulses, by the return standing for each.
	first := make([]int32, cells)
	firstMulti := make([]int32, cells)
	multi := make([]int32, cells)
	// Which return stands for its pulse: the first, unless only the last
	// returns of split pulses are there.
	firstSplit, lastSplit := false, false
	for i := range n {
		r, k := pts.ReturnNumber[i], pts.NumberOfReturns[i]
		firstSplit = firstSplit || (r <= 1 && k > 1)
		lastSplit = lastSplit || (r > 1 && r >= k)
	}
	byLast := lastSplit && !firstSplit
	for i := range n {
		fc := math.Floor((pts.X[i] - minX) / res)
		fr := math.Floor((maxY - pts.Y[i]) / res)
		// The comparisons are false for NaN: such points are skipped.
		if !(fc >= 0 && fc < float64(g.Width) && fr >= 0 && fr < float64(g.Height)) {
			continue
		}
		c := int(fr)*g.Width + int(fc)
		all[c]++
		if pts.Class[i] == ClassBuilding {
			building[c]++
		}
		split := pts.NumberOfReturns[i] > 1
		if split {
			multi[c]++
		}
		r := pts.ReturnNumber[i]
		if (!byLast && r <= 1) || (byLast && r >= pts.NumberOfReturns[i]) {
			first[c]++
			if split {
				firstMulti[c]++
			}
		}
	}
	for b := range out {
		out[b] = make([]float32, cells)
	}
	for c := range cells {
		switch {
		case all[c] == 0:
			out[BandBuilding][c], out[BandMulti][c] = nodata, nodata
			continue
		case first[c] > 0:
			out[BandMulti][c] = float32(firstMulti[c]) / float32(first[c])
		default:
			out[BandMulti][c] = float32(multi[c]) / float32(all[c])
		}
		out[BandBuilding][c] = float32(building[c]) / float32(all[c])
	}
	return out, nil
}
