package camera

import (
	"math"
	"testing"
	"time"
)

// spencer is an independent solar position: Spencer's (1971) Fourier series
// for the declination and the equation of time, good to ~0.2°.
func spencer(t time.Time, lat, lon float64) (az, el float64) {
	const deg = math.Pi / 180
	u := t.UTC()
	hours := float64(u.Hour()) + float64(u.Minute())/60 + float64(u.Second())/3600
	g := 2 * math.Pi / 365 * (float64(u.YearDay()) - 1 + (hours-12)/24)
	eot := 229.18 * (0.000075 + 0.001868*math.Cos(g) - 0.032077*math.Sin(g) - 0.014615*math.Cos(2*g) - 0.040849*math.Sin(2*g))
	decl := 0.006918 - 0.399912*math.Cos(g) + 0.070257*math.Sin(g) - 0.006758*math.Cos(2*g) +
		0.000907*math.Sin(2*g) - 0.002697*math.Cos(3*g) + 0.00148*math.Sin(3*g)
	ha := ((hours*60+eot+4*lon)/4 - 180) * deg
	phi := lat * deg
	el = math.Asin(math.Sin(phi)*math.Sin(decl)+math.Cos(phi)*math.Cos(decl)*math.Cos(ha)) / deg
	az = math.Mod(math.Atan2(math.Sin(ha), math.Cos(ha)*math.Sin(phi)-math.Tan(decl)*math.Cos(phi))/deg+540, 360)
	return az, el
}

func angleDiff(a, b float64) float64 { return math.Abs(math.Mod(a-b+540, 360) - 180) }

func TestSunMatchesIndependentFormula(t *testing.T) {
	cases := []struct {
		t        time.Time
		lat, lon float64
	}{
		{time.Date(2010, 6, 12, 10, 40, 0, 0, time.UTC), 41.65, -4.72},
		{time.Date(2017, 8, 24, 11, 30, 0, 0, time.UTC), 41.65, -4.72},
		{time.Date(2015, 9, 20, 9, 0, 0, 0, time.UTC), 41.65, -4.72},
		{time.Date(2021, 7, 1, 14, 15, 0, 0, time.UTC), 43.3, -2.0},
		{time.Date(2010, 6, 21, 18, 0, 0, 0, time.UTC), 40, -105}, // NOAA calculator's default place
		{time.Date(2003, 10, 17, 19, 30, 30, 0, time.UTC), 39.742476, -105.1786},
	}
	for _, c := range cases {
		az, el := sunPosition(c.t, c.lat, c.lon)
		raz, rel := spencer(c.t, c.lat, c.lon)
		rel += refraction(rel)
		if angleDiff(az, raz) > 0.5 || math.Abs(el-rel) > 0.5 {
			t.Errorf("%s at %g,%g: az %.2f el %.2f, independent %.2f %.2f", c.t, c.lat, c.lon, az, el, raz, rel)
		}
	}
}

// At solar noon on the June solstice the sun is due south at 90° − φ + ε.
func TestSunSolsticeNoon(t *testing.T) {
	const lat, lon = 41.65, -4.72
	// 2010-06-21: equation of time ≈ −1.6 min; noon at 12:00 − 4·lon − EoT.
	noon := time.Date(2010, 6, 21, 12, 0, 0, 0, time.UTC).Add(time.Duration((-4*lon + 1.6) * float64(time.Minute)))
	az, el := sunPosition(noon, lat, lon)
	want := 90 - lat + 23.438 // obliquity of 2010
	want += refraction(want)
	if angleDiff(az, 180) > 0.5 || math.Abs(el-want) > 0.1 {
		t.Errorf("solstice noon: az %.3f el %.3f, want 180 and %.3f", az, el, want)
	}
}

// The default flights meet PNOA's rule of a sun at least ~35–40° high.
func TestDefaultFlightsSun(t *testing.T) {
	for e := range 2 {
		p := DefaultParams(e)
		az, el := sunPosition(p.Date, p.Lat, p.Lon)
		if el < 40 || az < 90 || az > 200 {
			t.Errorf("epoch %d: sun az %.1f el %.1f", e, az, el)
		}
		t.Logf("epoch %d %s: sun az %.2f° el %.2f°, season %.2f, H %.0f m", e, p.Date.Format(time.DateTime), az, el, p.Season, p.FlyingHeight())
	}
}

// The worked example of NREL's Solar Position Algorithm (Reda & Andreas
// 2004): Golden, Colorado, 17 October 2003 12:30:30 local (UTC−7) with
// ΔT 67 s: topocentric zenith 50.11162°, azimuth 194.34024°.
func TestSunPublishedExample(t *testing.T) {
	az, el := sunPosition(time.Date(2003, 10, 17, 19, 30, 30, 0, time.UTC), 39.742476, -105.1786)
	if angleDiff(az, 194.34024) > 0.05 || math.Abs(el-(90-50.11162)) > 0.05 {
		t.Errorf("az %.4f el %.4f, want 194.3402 and %.4f", az, el, 90-50.11162)
	}
}
