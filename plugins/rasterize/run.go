package rasterize

import (
	"context"
	"fmt"
	"math"

	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/pointgrid"
	"github.com/cdflow/cdflow/raster"
)

// RunTile grids the tile's points (tile and halo) at the product's
// resolution on the work grid.
func (s *Step) RunTile(ctx context.Context, t *plugins.Tile, in map[string]plugins.TileInput, out []plugins.Product) error {
	o := out[0]
	pts, err := in["input"].Points(ctx)
	if err != nil {
		return fmt.Errorf("rasterize %s: %w", o.Name, err)
	}
	img := raster.NewImage[float32](t.GridAt(o.Resolution), 1)
	img.NoData, img.HasNoData = NoData, true
	z, err := s.grid(ctx, img.Grid, pts)
	if err != nil {
		return fmt.Errorf("rasterize %s: %w", o.Name, err)
	}
	img.Bands[0] = z
	if err := t.Put(ctx, &plugins.TileProduct{Product: o, Float32: img}); err != nil {
		return err
	}
	if len(out) < 2 {
		return nil
	}
	f := out[1]
	fg := t.GridAt(f.Resolution)
	bands, err := cellFeatures(fg, pts, NoData)
	if err != nil {
		return fmt.Errorf("rasterize %s: %w", f.Name, err)
	}
	fimg := &raster.Image[float32]{Grid: fg, Bands: bands[:], NoData: NoData, HasNoData: true}
	return t.Put(ctx, &plugins.TileProduct{Product: f, Float32: fimg})
}

// grid computes the cells of g from the points.
func (s *Step) grid(ctx context.Context, g raster.Grid, pts *plugins.PointSet) ([]float32, error) {
	c := s.Cfg
	pg := pointgrid.Grid{MinX: g.GeoTransform[0], MaxY: g.GeoTransform[3], Res: g.GeoTransform[1], Width: g.Width, Height: g.Height}
	p := pointgrid.Points{X: pts.X, Y: pts.Y, Z: pts.Z}
	var z []float32
	var err error
	switch c.Method {
	case "tin":
		o := pointgrid.TINOptions{}
		if c.MaxEdge != nil {
			o.MaxEdge = *c.MaxEdge
		}
		z, err = pointgrid.TIN(ctx, pg, p, o, NoData)
	case "idw":
		o := pointgrid.IDWOptions{Power: 2, Radius: *c.Radius, MinPoints: 1}
		if c.Power != nil {
			o.Power = *c.Power
		}
		if c.MinPoints != nil {
			o.MinPoints = *c.MinPoints
		}
		if c.MaxPoints != nil {
			o.MaxPoints = *c.MaxPoints
		}
		z, err = pointgrid.IDW(ctx, pg, p, o, NoData)
	default:
		stat := map[string]pointgrid.Stat{"max": pointgrid.Max, "min": pointgrid.Min, "mean": pointgrid.Mean}[c.Method]
		z, err = pointgrid.Bin(pg, p, stat, NoData)
	}
	if err != nil {
		return nil, err
	}
	if c.FillHoles != nil && *c.FillHoles > 0 {
		pointgrid.FillHoles(z, g.Width, g.Height, NoData, *c.FillHoles)
	}
	for i, v := range z {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			z[i] = NoData
		}
	}
	return z, nil
}
