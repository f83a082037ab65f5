package camera

import (
	"fmt"
	"math"
	"time"
)

// Params describe one epoch's flight: when, where, which camera, how it is
// flown, and the look of the epoch's photo lab.
type Params struct {
	Date     time.Time // acquisition date and time (UTC); sets the sun and the season
	Lat, Lon float64   // scene centre, degrees (east positive)
	GSD      float64   // ground sample distance of the photos at the mean terrain, m

	FocalMM float64 // focal length, mm
	PixelUM float64 // detector pitch, µm

	ForwardOverlap, SideOverlap float64 // shares of a frame shared with the next photo / strip

	FrameW, FrameH int     // frame size in pixels: across-track, along-track
	Heading        float64 // strip azimuth, degrees clockwise from north

	Season Season // dryness of the vegetation; DefaultParams derives it from Date

	Balance [3]float64 // the epoch's colour balance (camera and lab), gains on R, G, B
	Haze    float64    // path radiance added at nadir, digital numbers
	Noise   float64    // sensor noise, σ in digital numbers
}

// Season is how dry the vegetation is: 0 spring green, 1 late-summer dry
// (straw-coloured grass, duller, darker crowns).
type Season float64

// SeasonOf is the dryness of Valladolid's vegetation on a date: green into
// June, grass drying through July, driest late August, rains from October.
func SeasonOf(t time.Time) Season {
	// Day of year and dryness, piecewise linear in between.
	nodes := [...][2]float64{{0, 0.1}, {120, 0}, {163, 0.15}, {196, 0.6}, {236, 0.9}, {273, 0.85}, {305, 0.4}, {366, 0.1}}
	d := float64(t.YearDay())
	for n := 1; n < len(nodes); n++ {
		if d <= nodes[n][0] {
			a, b := nodes[n-1], nodes[n]
			return Season(a[1] + (b[1]-a[1])*(d-a[0])/(b[0]-a[0]))
		}
	}
	return Season(nodes[len(nodes)-1][1])
}

// DefaultParams returns the flights of the two epochs of the Valladolid
// data: epoch 0 is PNOA 2010 (12 June, 10:40 UTC, green; an UltraCam Xp
// class camera), any later epoch PNOA 2017 (24 August, 11:30 UTC, dry; an
// UltraCam Eagle class camera). Both at 0.25 m, 60 % / 30 % overlap, east–west
// strips. The 2010 lab balance is warmer and hazier, the 2017 one cooler and
// clearer.
func DefaultParams(epoch int) Params {
	p := Params{
		Lat: 41.65, Lon: -4.72, GSD: 0.25,
		ForwardOverlap: 0.6, SideOverlap: 0.3,
		Heading: 90,
	}
	if epoch <= 0 {
		p.Date = time.Date(2010, 6, 12, 10, 40, 0, 0, time.UTC)
		p.FocalMM, p.PixelUM, p.FrameW, p.FrameH = 100.5, 6.0, 17310, 11310
		p.Balance, p.Haze, p.Noise = [3]float64{1.04, 1.0, 0.93}, 10, 2.0
	} else {
		p.Date = time.Date(2017, 8, 24, 11, 30, 0, 0, time.UTC)
		p.FocalMM, p.PixelUM, p.FrameW, p.FrameH = 100.5, 5.2, 20010, 13080
		p.Balance, p.Haze, p.Noise = [3]float64{0.98, 1.0, 1.04}, 6, 1.5
	}
	p.Season = SeasonOf(p.Date)
	return p
}

// FlyingHeight is the height of the projection centres above the mean
// terrain that gives the GSD: H = GSD·f/pixel.
func (p Params) FlyingHeight() float64 { return p.GSD * p.FocalMM / p.PixelUM * 1000 }

func (p Params) validate() error {
	switch {
	case !(p.GSD > 0) || !(p.FocalMM > 0) || !(p.PixelUM > 0):
		return fmt.Errorf("camera: GSD, focal length and pixel size must be positive (%g m, %g mm, %g µm)", p.GSD, p.FocalMM, p.PixelUM)
	case p.FrameW < 2 || p.FrameH < 2:
		return fmt.Errorf("camera: frame %d×%d pixels is too small", p.FrameW, p.FrameH)
	case !(p.ForwardOverlap >= 0 && p.ForwardOverlap < 0.95) || !(p.SideOverlap >= 0 && p.SideOverlap < 0.95):
		return fmt.Errorf("camera: overlaps %g/%g must lie in [0, 0.95)", p.ForwardOverlap, p.SideOverlap)
	case math.Abs(p.Lat) > 89 || math.Abs(p.Lon) > 180 || math.IsNaN(p.Lat+p.Lon+p.Heading):
		return fmt.Errorf("camera: bad scene centre %g, %g or heading %g", p.Lat, p.Lon, p.Heading)
	case p.Date.IsZero():
		return fmt.Errorf("camera: no acquisition date")
	case p.Balance[0] <= 0 || p.Balance[1] <= 0 || p.Balance[2] <= 0:
		return fmt.Errorf("camera: colour balance %v must be positive", p.Balance)
	}
	return nil
}
