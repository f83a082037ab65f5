package synth

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestPreview decodes the contact sheet: eight panels of the scene's size at
// the preview's resolution; the truth panel shows the constructions in red
// where truth/change.tif has them, and the denser t1 point cloud is the
// brighter density panel.
func TestPreview(t *testing.T) {
	opt := small(1, "none")
	opt.Preview = true
	dir, sc := sceneFor(t, opt)
	if sc.Files.Preview != filePreview {
		t.Fatalf("scene.json lists preview %q", sc.Files.Preview)
	}
	f, err := os.Open(filepath.Join(dir, filePreview))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 400 m at 1 m per pixel; panels of 400×(400+16) with 4 px gaps.
	pw, ph := 400, 416
	if b := img.Bounds(); b.Dx() != 4*pw+12 || b.Dy() != 2*ph+4 {
		t.Fatalf("preview %v, want %dx%d", b, 4*pw+12, 2*ph+4)
	}
	var red int
	for y := 16; y < ph; y++ {
		for x := 2 * (pw + 4); x < 2*(pw+4)+pw; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 == 230 && g>>8 == 30 && b>>8 == 30 {
				red++
			}
		}
	}
	if (red > 0) != (sc.Counts.ConstructionPixels > 0) {
		t.Errorf("%d red pixels in the truth panel, %d construction pixels in the truth", red, sc.Counts.ConstructionPixels)
	}
	// The density panels' red channel is 20 + 235·d/(2·nominal), d the
	// first returns per m² around a pixel, clipped at twice the nominal.
	for e := range 2 {
		x0 := (2 + e) * (pw + 4)
		var s float64
		for y := ph + 4 + 16; y < 2*ph+4; y++ {
			for x := x0; x < x0+pw; x++ {
				r, _, _, _ := img.At(x, y).RGBA()
				s += (float64(r>>8) - 20) / 235 * 2 * DefaultLidarDensity[e]
			}
		}
		got, want := s/float64(pw*(ph-16)), sc.Realism.Epochs[e].FirstPerM2
		if math.Abs(got-want) > 0.1*want {
			t.Errorf("t%d density panel: %.3f first returns/m², scene.json %.3f", e, got, want)
		}
	}
}
