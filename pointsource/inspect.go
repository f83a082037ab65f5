// Package pointsource makes a point-cloud source of a workflow — LAS, LAZ
// and COPC files forming one mosaic — usable tile by tile: it reads the
// files' headers for the plan, filters the points by class and return, and
// hands each tile its points (tile and halo) with heights in metres.
//
// LAS and LAZ files are decoded once per run: their points are binned into
// one file per tile before the tiles run (as lastile does), so no tile
// decodes a sheet again and memory stays bounded by the workers' chunks.
// COPC files are read per tile, only the octree nodes the tile touches.
package pointsource

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/raster"
)

// File is what a point-cloud file's header says.
type File struct {
	Path       string
	Version    string // "1.2", "1.4"
	Format     uint8  // point data record format, 0–10
	Points     uint64
	Compressed bool // LAZ
	COPC       bool
	Extent     raster.Extent // from the header's bounds, in the file's CRS units
	ZMin, ZMax float64       // in the file's height unit
}

// Encoding names the file's encoding: LAS, LAZ or COPC.
func (f File) Encoding() string {
	switch {
	case f.COPC:
		return "COPC"
	case f.Compressed:
		return "LAZ"
	}
	return "LAS"
}

// Info is what a point-cloud source's files hold, from their headers only.
type Info struct {
	Files  []File
	Points uint64
	Extent raster.Extent // union of the files' extents
	// CRS is the horizontal CRS the tiles are laid in; FullCRS the files'
	// own (compound when they declare a vertical datum).
	CRS, FullCRS raster.CRS
	// ZMetres converts the files' heights to metres (0.3048 for feet);
	// ZUnit names the unit and ZFromVertical says whether a vertical CRS
	// gave it (else the horizontal unit did).
	ZMetres       float64
	ZUnit         string
	ZFromVertical bool
	// XYMetres converts horizontal units to metres.
	XYMetres float64
	// Density is points per square metre over the files' extents.
	Density float64
	Formats []uint8 // distinct point formats, sorted
}

// ErrNoCRS is returned (wrapped) for files declaring no CRS when the source
// block sets none.
var ErrNoCRS = errors.New("no CRS")

// Inspect reads the headers and CRS records of files (never a point) and
// checks they form one source: one CRS, projected, with a linear unit.
// crs, when not empty, overrides the files' CRS (as users write it:
// "EPSG:25830", "EPSG:25830+5782", WKT).
func Inspect(ctx context.Context, files []string, crs string) (*Info, error) {
	if len(files) == 0 {
		return nil, errors.New("no file")
	}
	info := &Info{}
	var override raster.CRS
	if crs != "" {
		c, err := raster.CRSFromUser(crs)
		if err != nil {
			return nil, fmt.Errorf("crs %q: %w", crs, err)
		}
		override = c
	}
	var area float64
	var first string
	for i, path := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := openCloud(ctx, path)
		if err != nil {
			return nil, err
		}
		h := f.Header()
		fi := File{
			Path: path, Version: fmt.Sprintf("%d.%d", h.VersionMajor, h.VersionMinor), Format: h.PointFormat,
			Points: h.PointCount, Compressed: h.Compressed, COPC: f.COPC() != nil,
			Extent: raster.Extent{MinX: h.Min[0], MinY: h.Min[1], MaxX: h.Max[0], MaxY: h.Max[1]},
			ZMin:   h.Min[2], ZMax: h.Max[2],
		}
		fileCRS, crsErr := f.CRS()
		f.Close()
		if !finiteExtent(fi.Extent) {
			return nil, fmt.Errorf("%s: the header's bounds %v are not finite: the file is damaged; rewrite it (e.g. with PDAL or LAStools)", path, fi.Extent)
		}
		c := override
		if crs == "" {
			if crsErr != nil {
				if errors.Is(crsErr, pointcloud.ErrNoCRS) {
					return nil, fmt.Errorf("%s declares no coordinate reference system (%w); set crs in the source block, e.g. crs = \"EPSG:25830\"", path, ErrNoCRS)
				}
				return nil, crsErr
			}
			c, err = crsOf(fileCRS)
			if err != nil {
				return nil, fmt.Errorf("%s: %w; set crs in the source block to override it", path, err)
			}
		}
		if i == 0 {
			info.FullCRS, first = c, path
		} else if !c.Same(info.FullCRS) {
			return nil, fmt.Errorf("%s is in %s but %s is in %s: the files of one source must share a CRS; reproject one, or set crs in the source block if the files are wrong", path, c, first, info.FullCRS)
		}
		info.Files = append(info.Files, fi)
		info.Points += fi.Points
		area += fi.Extent.Width() * fi.Extent.Height()
		if i == 0 {
			info.Extent = fi.Extent
		} else {
			info.Extent = info.Extent.Union(fi.Extent)
		}
		if !slices.Contains(info.Formats, fi.Format) {
			info.Formats = append(info.Formats, fi.Format)
		}
	}
	slices.Sort(info.Formats)
	h, err := raster.HorizontalCRS(info.FullCRS)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", first, err)
	}
	info.CRS = h
	xy, _, _, err := raster.HeightUnits(h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; tiles are sized in metres or feet: reproject the points to a projected CRS", first, err)
	}
	info.XYMetres = xy
	info.ZMetres, info.ZUnit, info.ZFromVertical, err = raster.HeightUnits(info.FullCRS)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", first, err)
	}
	if a := area * xy * xy; a > 0 {
		info.Density = float64(info.Points) / a
	}
	return info, nil
}

// crsOf turns a file's CRS records into a CRS GDAL knows.
func crsOf(c pointcloud.CRS) (raster.CRS, error) {
	switch {
	case c.WKT != "":
		return raster.CRSFromUser(c.WKT)
	case c.EPSG != 0 && c.VerticalEPSG != 0:
		return raster.CRSFromUser(fmt.Sprintf("EPSG:%d+%d", c.EPSG, c.VerticalEPSG))
	case c.EPSG != 0:
		return raster.CRSFromEPSG(c.EPSG)
	}
	return raster.CRS{}, fmt.Errorf("%w in the file", ErrNoCRS)
}

func finiteExtent(e raster.Extent) bool {
	for _, v := range []float64{e.MinX, e.MinY, e.MaxX, e.MaxY} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return e.MinX <= e.MaxX && e.MinY <= e.MaxY
}

// Describe is a one-line summary for messages and the plan.
func (in *Info) Describe() string {
	var formats []string
	for _, f := range in.Formats {
		formats = append(formats, fmt.Sprint(f))
	}
	enc := map[string]int{}
	for _, f := range in.Files {
		enc[f.Encoding()]++
	}
	var encs []string
	for _, e := range []string{"LAS", "LAZ", "COPC"} {
		if enc[e] > 0 {
			encs = append(encs, fmt.Sprintf("%d %s", enc[e], e))
		}
	}
	return fmt.Sprintf("%s file(s), %d points, %.2f points/m², %s, point format %s, heights in %s, extent %s",
		strings.Join(encs, ", "), in.Points, in.Density, in.CRS, strings.Join(formats, ", "), in.ZUnit, in.Extent)
}
