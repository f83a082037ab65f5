package pointsource

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/pointcloud"
	"github.com/cdflow/cdflow/raster"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestInspectAutzen checks what Inspect reads from autzen_trim against the
// README and the file's own points: count, extent, format, units, density.
func TestInspectAutzen(t *testing.T) {
	path := lidarFile(t, "autzen_trim.laz")
	info := inspect(t, "", path)
	if info.Points != 110000 || len(info.Files) != 1 || info.Files[0].Points != 110000 {
		t.Errorf("points %d (files %d), want 110000", info.Points, len(info.Files))
	}
	f := info.Files[0]
	if f.Path != path || f.Version != "1.2" || f.Format != 3 || !f.Compressed || f.COPC || f.Encoding() != "LAZ" {
		t.Errorf("file = %+v, want LAZ 1.2 format 3", f)
	}
	e := info.Extent
	if !near(e.MinX, 636001.76, 0.006) || !near(e.MaxX, 637179.22, 0.006) || !near(e.MinY, 848935.2, 0.006) || !near(e.MaxY, 849497.9, 0.006) {
		t.Errorf("extent %v, want 636001.76…637179.22 × 848935.2…849497.9", e)
	}
	if !near(f.ZMin, 406.3, 0.06) || !near(f.ZMax, 520.5, 0.06) {
		t.Errorf("z %v…%v, want 406.3…520.5", f.ZMin, f.ZMax)
	}
	// The header's bounds are those of the points.
	pts := decodeAll(t, path)
	lo, hi := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}, [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		for k, v := range [3]float64{p.X, p.Y, p.Z} {
			lo[k], hi[k] = min(lo[k], v), max(hi[k], v)
		}
	}
	if !near(lo[0], e.MinX, 1e-6) || !near(hi[0], e.MaxX, 1e-6) || !near(lo[1], e.MinY, 1e-6) || !near(hi[1], e.MaxY, 1e-6) || !near(lo[2], f.ZMin, 1e-6) || !near(hi[2], f.ZMax, 1e-6) {
		t.Errorf("extent %v z %v…%v, the points span %v…%v", e, f.ZMin, f.ZMax, lo, hi)
	}
	if !slices.Equal(info.Formats, []uint8{3}) {
		t.Errorf("formats %v, want [3]", info.Formats)
	}
	if info.ZMetres != 0.3048 || info.XYMetres != 0.3048 || info.ZFromVertical {
		t.Errorf("units: z %v (from vertical %v), xy %v; want international feet from the horizontal CRS", info.ZMetres, info.ZFromVertical, info.XYMetres)
	}
	wantDensity := 110000 / (e.Width() * e.Height() * 0.3048 * 0.3048)
	if !near(info.Density, wantDensity, 1e-9*wantDensity) || !near(info.Density, 1.79, 0.01) {
		t.Errorf("density %v points/m², want %v", info.Density, wantDensity)
	}
	if info.CRS.IsZero() || info.FullCRS.IsZero() {
		t.Error("no CRS")
	}
	if d := info.Describe(); !strings.Contains(d, "1 LAZ") || !strings.Contains(d, "110000 points") || !strings.Contains(d, "1.79 points/m²") {
		t.Errorf("Describe() = %q", d)
	}
	if info.HasCOPC() {
		t.Error("HasCOPC() = true for a LAZ file")
	}
}

// TestInspectTwinsAgree: a LAZ and its LAS twin (and the COPC file and its
// LAS twin) report the same points, extent and density (exactly, for byte
// twins); the formats are the files'.
func TestInspectTwinsAgree(t *testing.T) {
	pairs := []struct {
		a, b   string
		crs    string
		fa, fb uint8
		encA   string
		exact  bool
	}{
		{"autzen_trim.las", "autzen_trim.laz", "", 3, 3, "LAS", true},
		// Not a byte twin: its header's bounds are rounded differently.
		{"autzen_trim.las", "autzen_trim_7.las", "", 3, 7, "LAS", false},
		{"lazrs-point10.las", "lazrs-point10.laz", "EPSG:25830", 0, 0, "LAS", true},
		{"lazrs-point-time.las", "lazrs-point-time.laz", "EPSG:25830", 1, 1, "LAS", true},
		{"lazrs-point-color.las", "lazrs-point-color.laz", "EPSG:25830", 2, 2, "LAS", true},
		{"lazrs-point-time-color.las", "lazrs-point-time-color.laz", "EPSG:25830", 3, 3, "LAS", true},
		{"lazrs-extra-bytes.las", "lazrs-extra-bytes.laz", "EPSG:25830", 3, 3, "LAS", true},
		{"1.2-with-color.las", "1.2-with-color.copc.laz", "EPSG:2991", 3, 7, "LAS", true},
	}
	for _, p := range pairs {
		a := inspect(t, p.crs, lidarFile(t, p.a))
		b := inspect(t, p.crs, lidarFile(t, p.b))
		if a.Points != b.Points || a.Points == 0 {
			t.Errorf("%s / %s: %d points against %d", p.a, p.b, a.Points, b.Points)
		}
		ea, eb := a.Extent, b.Extent
		if p.exact && ea != eb || !near(ea.MinX, eb.MinX, 1e-6) || !near(ea.MaxX, eb.MaxX, 1e-6) || !near(ea.MinY, eb.MinY, 1e-6) || !near(ea.MaxY, eb.MaxY, 1e-6) {
			t.Errorf("%s / %s: extent %v against %v", p.a, p.b, a.Extent, b.Extent)
		}
		if a.Files[0].ZMin != b.Files[0].ZMin || a.Files[0].ZMax != b.Files[0].ZMax {
			t.Errorf("%s / %s: z %v…%v against %v…%v", p.a, p.b, a.Files[0].ZMin, a.Files[0].ZMax, b.Files[0].ZMin, b.Files[0].ZMax)
		}
		if !slices.Equal(a.Formats, []uint8{p.fa}) || !slices.Equal(b.Formats, []uint8{p.fb}) {
			t.Errorf("%s / %s: formats %v and %v, want [%d] and [%d]", p.a, p.b, a.Formats, b.Formats, p.fa, p.fb)
		}
		if p.exact && a.Density != b.Density || !near(a.Density, b.Density, 1e-9) || a.Density <= 0 {
			t.Errorf("%s / %s: density %v against %v", p.a, p.b, a.Density, b.Density)
		}
		if a.ZMetres != b.ZMetres && p.crs != "" {
			t.Errorf("%s / %s: ZMetres %v against %v under one CRS", p.a, p.b, a.ZMetres, b.ZMetres)
		}
		if a.Files[0].Encoding() != p.encA {
			t.Errorf("%s is %s", p.a, a.Files[0].Encoding())
		}
	}
	copc := inspect(t, "", lidarFile(t, "1.2-with-color.copc.laz"))
	if f := copc.Files[0]; !f.COPC || f.Encoding() != "COPC" || f.Version != "1.4" || !copc.HasCOPC() {
		t.Errorf("COPC file = %+v", f)
	}
	if copc.Points != 1065 {
		t.Errorf("COPC points %d", copc.Points)
	}
}

// TestInspectSeveralFiles: totals, the union of extents, sorted distinct
// formats and file order.
func TestInspectSeveralFiles(t *testing.T) {
	a, b := lidarFile(t, "autzen_trim_7.las"), lidarFile(t, "autzen_trim.las")
	info := inspect(t, "", a, b, lidarFile(t, "autzen_trim.laz"))
	if info.Points != 330000 || len(info.Files) != 3 || info.Files[0].Path != a || info.Files[1].Path != b {
		t.Errorf("points %d, files %d", info.Points, len(info.Files))
	}
	if !slices.Equal(info.Formats, []uint8{3, 7}) {
		t.Errorf("formats %v, want [3 7]", info.Formats)
	}
	one := inspect(t, "", b)
	if !near(info.Density, one.Density, 1e-9) {
		t.Errorf("three copies of one extent: density %v, one file %v", info.Density, one.Density)
	}

	x, y := lidarFile(t, "autzen-bmx-2010.las"), lidarFile(t, "autzen-bmx-2023.las")
	ix, iy := inspect(t, "", x), inspect(t, "", y)
	both := inspect(t, "", x, y)
	if both.Points != 829+687 || ix.Points != 829 || iy.Points != 687 {
		t.Errorf("bmx points %d (%d + %d)", both.Points, ix.Points, iy.Points)
	}
	if both.Extent != ix.Extent.Union(iy.Extent) {
		t.Errorf("extent %v, want the union of %v and %v", both.Extent, ix.Extent, iy.Extent)
	}
	if !both.FullCRS.Same(ix.FullCRS) || !both.CRS.Same(ix.CRS) {
		t.Error("the epochs' CRS changed")
	}
	if !ix.ZFromVertical || !near(ix.ZMetres, 1200.0/3937, 1e-12) {
		t.Errorf("bmx heights: %v m per unit from vertical %v, want US survey feet from NAVD88", ix.ZMetres, ix.ZFromVertical)
	}
}

// TestInspectCRSOverride: a file without CRS is accepted with crs set, and
// the units follow the override; a bad or geographic override fails.
func TestInspectCRSOverride(t *testing.T) {
	path := lidarFile(t, "1.2-with-color.las")
	for _, c := range []struct {
		crs      string
		xy, z    float64
		vertical bool
	}{
		{"EPSG:2991", 1, 1, false},
		{"EPSG:2992", 0.3048, 0.3048, false},
		{"EPSG:2991+5703", 1, 1, true},
	} {
		info, err := Inspect(context.Background(), []string{path}, c.crs)
		if err != nil {
			t.Errorf("crs %s: %v", c.crs, err)
			continue
		}
		if !near(info.XYMetres, c.xy, 1e-12) || !near(info.ZMetres, c.z, 1e-12) || info.ZFromVertical != c.vertical {
			t.Errorf("crs %s: xy %v z %v (vertical %v), want %v %v %v", c.crs, info.XYMetres, info.ZMetres, info.ZFromVertical, c.xy, c.z, c.vertical)
		}
	}
	// The override wins over the files' own CRS, different as they are.
	if _, err := Inspect(context.Background(), []string{lidarFile(t, "autzen_trim.las"), lidarFile(t, "test1_4.las")}, "EPSG:2992"); err != nil {
		t.Errorf("override over files of two CRSs: %v", err)
	}
	for _, bad := range []string{"EPSG:bogus", "not a crs"} {
		_, err := Inspect(context.Background(), []string{path}, bad)
		if err == nil || !strings.Contains(err.Error(), "crs") || !strings.Contains(err.Error(), bad) {
			t.Errorf("crs %q: %v, want an error naming it", bad, err)
		}
	}
	_, err := Inspect(context.Background(), []string{path}, "EPSG:4326")
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("geographic crs: %v, want an error naming the file", err)
	}
}

var crsWord = regexp.MustCompile(`\bcrs\b`)

// TestInspectErrors: each refusal names the file at fault and says what to
// do.
func TestInspectErrors(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	autzen := lidarFile(t, "autzen_trim.las")

	t.Run("no file", func(t *testing.T) {
		if _, err := Inspect(ctx, nil, ""); err == nil {
			t.Error("no error")
		}
	})

	t.Run("no CRS", func(t *testing.T) {
		nocrs := lidarFile(t, "1.2-with-color.las")
		for _, files := range [][]string{{nocrs}, {autzen, nocrs}} {
			_, err := Inspect(ctx, files, "")
			if !errors.Is(err, ErrNoCRS) {
				t.Fatalf("Inspect(%v) = %v, want ErrNoCRS", files, err)
			}
			if msg := err.Error(); !strings.Contains(msg, nocrs) || !crsWord.MatchString(msg) {
				t.Errorf("error %q should name %s and the crs attribute", msg, nocrs)
			}
		}
		// A hand-built file without VLRs too.
		p := filepath.Join(tmp, "novlr.las")
		writeLAS(t, p, 6, []synth{{X: 1, Y: 2, Z: 3, Class: 2, Ret: 1, N: 1}}, lasOptions{Scale: [3]float64{0.01, 0.01, 0.01}})
		if _, err := Inspect(ctx, []string{p}, ""); !errors.Is(err, ErrNoCRS) || !strings.Contains(err.Error(), p) || !crsWord.MatchString(err.Error()) {
			t.Errorf("file without VLRs: %v", err)
		}
	})

	t.Run("CRS mismatch", func(t *testing.T) {
		for _, other := range []string{"test1_4.las", "autzen-bmx-2010.las"} {
			o := lidarFile(t, other)
			for _, files := range [][]string{{autzen, o}, {o, autzen}} {
				_, err := Inspect(ctx, files, "")
				if err == nil {
					t.Fatalf("Inspect(%v): no error", files)
				}
				if msg := err.Error(); !strings.Contains(msg, autzen) || !strings.Contains(msg, o) || !strings.Contains(msg, "CRS") {
					t.Errorf("error %q should name both files", msg)
				}
			}
		}
	})

	t.Run("not LAS", func(t *testing.T) {
		junk := filepath.Join(tmp, "junk.las")
		if err := os.WriteFile(junk, []byte(strings.Repeat("not a point cloud, just text. ", 40)), 0o644); err != nil {
			t.Fatal(err)
		}
		empty := filepath.Join(tmp, "empty.laz")
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{junk, empty} {
			for _, files := range [][]string{{bad}, {autzen, bad}} {
				_, err := Inspect(ctx, files, "")
				if err == nil || !strings.Contains(err.Error(), bad) {
					t.Errorf("Inspect(%v) = %v, want an error naming %s", files, err, bad)
				}
			}
		}
		if _, err := Inspect(ctx, []string{junk}, ""); !errors.Is(err, pointcloud.ErrNotLAS) {
			t.Errorf("junk: %v, want ErrNotLAS", err)
		}
		missing := filepath.Join(tmp, "missing.las")
		if _, err := Inspect(ctx, []string{missing}, ""); err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("missing file: %v", err)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		for _, src := range []string{"autzen_trim.las", "autzen_trim_7.las", "autzen_trim.laz"} {
			b, err := os.ReadFile(lidarFile(t, src))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{200, 4} {
				cut := filepath.Join(tmp, "cut"+src)
				if err := os.WriteFile(cut, b[:n], 0o644); err != nil {
					t.Fatal(err)
				}
				_, err := Inspect(ctx, []string{cut}, "")
				if err == nil || !strings.Contains(err.Error(), cut) {
					t.Errorf("%s cut to %d bytes: %v, want an error naming %s", src, n, err, cut)
				} else if n == 200 && !errors.Is(err, pointcloud.ErrTruncated) {
					t.Errorf("%s cut to 200 bytes: %v, want ErrTruncated", src, err)
				}
			}
		}
		// A LAZ cut after its header loses its chunk table.
		b, _ := os.ReadFile(lidarFile(t, "autzen_trim.laz"))
		cut := filepath.Join(tmp, "half.laz")
		if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Inspect(ctx, []string{cut}, ""); err == nil || !strings.Contains(err.Error(), cut) {
			t.Errorf("half a LAZ: %v, want an error naming it", err)
		}
	})

	t.Run("bounds not finite", func(t *testing.T) {
		pts := []synth{{X: 1, Y: 2, Z: 3, Class: 2, Ret: 1, N: 1}}
		for i, b := range [][6]float64{
			{math.NaN(), 0, 0, 1, 1, 1},
			{0, 0, 0, math.Inf(1), 1, 1},
			{0, math.Inf(-1), 0, 1, 1, 1},
			{0, 0, 0, 1, math.NaN(), 1},
		} {
			p := filepath.Join(tmp, "bounds"+string(rune('a'+i))+".las")
			writeLAS(t, p, 1, pts, lasOptions{Scale: [3]float64{0.01, 0.01, 0.01}, Bounds: &b})
			_, err := Inspect(ctx, []string{p}, "EPSG:25830")
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "not finite") {
				t.Errorf("bounds %v: %v, want an error naming the file", b, err)
			}
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := Inspect(c, []string{autzen}, ""); !errors.Is(err, context.Canceled) {
			t.Errorf("Inspect(cancelled) = %v", err)
		}
	})
}

// TestInspectHandBuilt reads hand-built files of every point format: the
// header fields come through.
func TestInspectHandBuilt(t *testing.T) {
	pts := []synth{{X: 100, Y: 200, Z: 30, Class: 2, Ret: 1, N: 1}, {X: 300, Y: 600, Z: 50, Class: 2, Ret: 1, N: 1}}
	var paths []string
	for f := uint8(0); f <= 10; f++ {
		p := filepath.Join(t.TempDir(), "f.las")
		writeLAS(t, p, f, pts, lasOptions{Scale: [3]float64{0.5, 0.5, 0.25}, Offset: [3]float64{1000, 2000, 0}})
		info := inspect(t, "EPSG:25830", p)
		want := raster.Extent{MinX: 1050, MinY: 2100, MaxX: 1150, MaxY: 2300}
		if info.Points != 2 || info.Extent != want || !slices.Equal(info.Formats, []uint8{f}) || info.Files[0].ZMin != 7.5 || info.Files[0].ZMax != 12.5 {
			t.Errorf("format %d: %d points, extent %v, formats %v, z %v…%v", f, info.Points, info.Extent, info.Formats, info.Files[0].ZMin, info.Files[0].ZMax)
		}
		if !near(info.Density, 2.0/(100*200), 1e-15) {
			t.Errorf("format %d: density %v", f, info.Density)
		}
		paths = append(paths, p)
	}
	info := inspect(t, "EPSG:25830", paths...)
	if !slices.Equal(info.Formats, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("formats %v", info.Formats)
	}
}
