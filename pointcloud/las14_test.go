package pointcloud

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// readmeRow is a line of the lidar folder's README table.
type readmeRow struct {
	file       string
	minor      uint8
	format     uint8
	count      uint64
	x, y, z    [2]float64
	compressed bool
}

var readmeTable = []readmeRow{
	{"autzen_trim_7.las", 4, 7, 110000, [2]float64{636001.8, 637179.2}, [2]float64{848935.2, 849497.9}, [2]float64{406.3, 520.5}, false},
	{"test1_4.las", 4, 6, 1000, [2]float64{1694038.4, 1694539.7}, [2]float64{1816492.7, 1816498.0}, [2]float64{5592.7, 5599.1}, false},
	{"autzen-bmx-2010.las", 4, 7, 829, [2]float64{194472.8, 194506.9}, [2]float64{259222.2, 259264.1}, [2]float64{422.9, 434.5}, false},
	{"autzen-bmx-2023.las", 4, 7, 687, [2]float64{194472.8, 194507.6}, [2]float64{259222.7, 259264.6}, [2]float64{423.6, 439.1}, false},
	{"1.2-with-color.copc.laz", 4, 7, 1065, [2]float64{635619.8, 638982.6}, [2]float64{848899.7, 853535.4}, [2]float64{406.6, 586.4}, true},
	{"autzen_trim.las", 2, 3, 110000, [2]float64{636001.8, 637179.2}, [2]float64{848935.2, 849497.9}, [2]float64{406.3, 520.5}, false},
	{"autzen_trim.laz", 2, 3, 110000, [2]float64{636001.8, 637179.2}, [2]float64{848935.2, 849497.9}, [2]float64{406.3, 520.5}, true},
	{"lazrs-point10.laz", 2, 0, 1065, [2]float64{493994.9, 494993.7}, [2]float64{4877429.6, 4878817.0}, [2]float64{123.9, 178.7}, true},
}

// near accepts the README's one-decimal rounding (or truncation).
func near(got, want float64) bool { return math.Abs(got-want) <= 0.1+1e-9 }

func TestREADMETable(t *testing.T) {
	ctx := context.Background()
	for _, row := range readmeTable {
		t.Run(row.file, func(t *testing.T) {
			f := mustOpen(t, lidarFile(t, row.file))
			h := f.Header()
			if h.VersionMajor != 1 || h.VersionMinor != row.minor || h.PointFormat != row.format || h.PointCount != row.count || h.Compressed != row.compressed {
				t.Fatalf("header: version 1.%d format %d count %d compressed %v; README: 1.%d %d %d %v",
					h.VersionMinor, h.PointFormat, h.PointCount, h.Compressed, row.minor, row.format, row.count, row.compressed)
			}
			if row.minor == 4 && h.LegacyPointCount != 0 && uint64(h.LegacyPointCount) != h.PointCount {
				t.Fatalf("legacy count %d disagrees with 64-bit count %d", h.LegacyPointCount, h.PointCount)
			}
			all, err := f.ReadAll(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(all.Len()) != row.count {
				t.Fatalf("decoded %d points, want %d", all.Len(), row.count)
			}
			b := all.Bounds()
			for k, want := range [3][2]float64{row.x, row.y, row.z} {
				if !near(b.Min[k], want[0]) || !near(b.Max[k], want[1]) {
					t.Fatalf("axis %d: data range %.3f…%.3f, README %.1f…%.1f", k, b.Min[k], b.Max[k], want[0], want[1])
				}
				// The header's bounds agree with the data too.
				if math.Abs(b.Min[k]-h.Min[k]) > h.Scale[k] || math.Abs(b.Max[k]-h.Max[k]) > h.Scale[k] {
					t.Fatalf("axis %d: data range %v…%v, header %v…%v", k, b.Min[k], b.Max[k], h.Min[k], h.Max[k])
				}
			}
			// Typed access agrees with the raw coordinates.
			p := all.Point(all.Len() - 1)
			if x, y, z := all.XYZ(all.Len() - 1); p.X != x || p.Y != y || p.Z != z {
				t.Fatalf("Point and XYZ disagree")
			}
			if row.format >= 6 && (p.ReturnNumber == 0 || p.ReturnNumber > p.NumberOfReturns || !p.HasGPSTime) {
				t.Fatalf("implausible LAS 1.4 point %+v", p)
			}
		})
	}
}

func TestCRS(t *testing.T) {
	cases := []struct {
		file     string
		wantWKT  bool
		wantEPSG int
	}{
		{"autzen_trim_7.las", true, 0},
		{"test1_4.las", true, 0},
		{"autzen-bmx-2010.las", true, 0},
		{"autzen-bmx-2023.las", true, 0},
		{"1.2-with-color.copc.laz", true, 0},
		{"autzen_trim.las", true, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			f := mustOpen(t, lidarFile(t, c.file))
			crs, err := f.CRS()
			if err != nil {
				t.Fatal(err)
			}
			if c.wantWKT && (len(crs.WKT) < 20 || (crs.WKT[:6] != "PROJCS" && crs.WKT[:8] != "COMPD_CS" && crs.WKT[:6] != "GEOGCS" && crs.WKT[:5] != "PROJC" && crs.WKT[:5] != "COMPO")) {
				t.Fatalf("WKT %q", crs.WKT)
			}
		})
	}
	t.Run("geotiff keys user-defined", func(t *testing.T) {
		// autzen_trim.las carries a WKT and GeoTIFF keys describing a
		// user-defined (32767) Lambert projection: the keys alone give no
		// EPSG code, so the WKT must be what CRS() returns.
		f := mustOpen(t, lidarFile(t, "autzen_trim.las"))
		var keys []VLR
		for _, v := range f.VLRs() {
			if v.RecordID >= 34735 && v.RecordID <= 34737 {
				keys = append(keys, v)
			}
		}
		if len(keys) != 3 {
			t.Fatalf("found %d GeoTIFF VLRs, want 3", len(keys))
		}
		if _, err := crsFromVLRs(keys); !errors.Is(err, ErrNoCRS) {
			t.Fatalf("user-defined GeoTIFF CRS: %v, want ErrNoCRS", err)
		}
	})
	t.Run("geotiff keys epsg", func(t *testing.T) {
		// Keys: GTModelType=1, ProjectedCSType=2994, VerticalCSType=5703.
		keys := geoKeys([][4]uint16{{1024, 0, 1, 1}, {3072, 0, 1, 2994}, {4096, 0, 1, 5703}})
		crs, err := crsFromVLRs([]VLR{{UserID: "LASF_Projection", RecordID: 34735, Data: keys}})
		if err != nil || crs.EPSG != 2994 || crs.VerticalEPSG != 5703 || crs.String() != "EPSG:2994+5703" {
			t.Fatalf("got %+v, %v", crs, err)
		}
		keys = geoKeys([][4]uint16{{1024, 0, 1, 2}, {2048, 0, 1, 4326}})
		crs, err = crsFromVLRs([]VLR{{UserID: "LASF_Projection", RecordID: 34735, Data: keys}})
		if err != nil || crs.EPSG != 4326 || crs.VerticalEPSG != 0 {
			t.Fatalf("geographic: got %+v, %v", crs, err)
		}
	})
	t.Run("none", func(t *testing.T) {
		f := mustOpen(t, lidarFile(t, "lazrs-point10.laz"))
		_, err := f.CRS()
		if !errors.Is(err, ErrNoCRS) {
			t.Fatalf("CRS of a file without one: %v, want ErrNoCRS", err)
		}
		if want := "lazrs-point10.laz"; !contains(err.Error(), want) {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}

func geoKeys(entries [][4]uint16) []byte {
	v := []uint16{1, 1, 0, uint16(len(entries))}
	for _, e := range entries {
		v = append(v, e[:]...)
	}
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return b
}
