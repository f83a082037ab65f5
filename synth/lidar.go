package synth

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/synth/internal/city"
)

// Simulated LiDAR: one LAZ file per sheet and epoch, as PNOA-LiDAR is
// delivered (the first coverage in LAS 1.2 point format 1, the second in
// LAS 1.4 format 6), heights orthometric in EPSG:25830+5782.
const (
	dirLidarT0 = "lidar_t0"
	dirLidarT1 = "lidar_t1"
	// LidarCRS is the files' compound CRS: ETRS89 / UTM 30N + EGM08-REDNAP height.
	LidarCRS = "EPSG:25830+5782"
	// lidarStrip is how many 0.25 m rows are painted at once for the scan.
	lidarStrip = 256
)

// DefaultLidarDensity is pulses per m² of each epoch: PNOA-LiDAR's first
// coverage (2009–2015) and a second one.
var DefaultLidarDensity = [2]float64{0.5, 2}

var lidarFormat = [2]uint8{1, 6}

var epochYears = [2]int{2010, 2017}

func lidarDir(epoch int) string { return [2]string{dirLidarT0, dirLidarT1}[epoch] }

// lidarFile is the sheet's point-cloud file of an epoch.
func (s sheet) lidarFile(epoch int) string {
	d := lidarDir(epoch)
	return d + "/" + d + "_" + s.id + ".laz"
}

// writeLidar scans a sheet of an epoch strip by strip and writes its LAZ.
func (g *generator) writeLidar(ctx context.Context, si, epoch int) error {
	s := g.sheets[si]
	rel := s.lidarFile(epoch)
	crs, err := raster.CRSFromUser(LidarCRS)
	if err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	w, err := pointcloud.Create(filepath.Join(g.out, filepath.FromSlash(rel)), pointcloud.WriterOptions{
		Format:   lidarFormat[epoch],
		Compress: true,
		Scale:    [3]float64{0.01, 0.01, 0.01},
		Offset:   [3]float64{OriginE + float64(s.x0), OriginN + float64(s.y0), 0},
		WKT:      crs.WKT,
		SystemID: "cdflow synth (simulated ALS)", Software: Generator,
		FileCreationDay: 183, FileCreationYear: uint16(epochYears[epoch]),
	})
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer w.Abort()
	density := g.opt.LidarDensity[epoch]
	cols := int(float64(s.x1-s.x0) / OrthoRes)
	rows := int(float64(s.y1-s.y0) / OrthoRes)
	l := city.NewLayers(city.NewWindow(0, 0, OrthoRes, cols, lidarStrip, 0))
	var werr error
	var p pointcloud.Point
	for y := 0; y < rows; y += lidarStrip {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(lidarStrip, rows-y)
		l.Resize(city.NewWindow(float64(s.x0), float64(s.y1)-float64(y)*OrthoRes, OrthoRes, cols, n, g.shift(epoch)))
		g.city.Paint(epoch, l)
		g.city.Scan(epoch, l, density, func(r city.Return) {
			if werr != nil {
				return
			}
			p = pointcloud.Point{
				X: OriginE + r.X, Y: OriginN + r.Y, Z: r.Z,
				Intensity: r.Intensity, ReturnNumber: r.Number, NumberOfReturns: r.Of,
				Classification: r.Class, PointSourceID: uint16(epoch + 1),
				// Flight lines run west to east; the aircraft flies at 70 m/s.
				GPSTime: float64(epochYears[epoch]-2000)*1e6 + r.Y/70 + float64(r.Number)*1e-6,
			}
			werr = w.Write(&p)
		})
		if werr != nil {
			return fmt.Errorf("synth: %s: %w", rel, werr)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("synth: %s: %w", rel, err)
	}
	return nil
}
