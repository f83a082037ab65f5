package camera

import (
	"math"
	"time"
)

// sunPosition returns the sun's azimuth (degrees clockwise from north) and
// apparent elevation (degrees, refraction included) at time t and place
// lat, lon (degrees, east positive), by NOAA's solar calculator equations
// (after Meeus): accurate to well under 0.1° for 1800–2100, plenty for
// shadows at 0.25 m.
func sunPosition(t time.Time, lat, lon float64) (az, el float64) {
	const deg = math.Pi / 180
	jd := float64(t.UnixNano())/86400e9 + 2440587.5
	T := (jd - 2451545) / 36525 // Julian centuries since J2000.0

	l0 := math.Mod(280.46646+T*(36000.76983+T*0.0003032), 360) // geometric mean longitude
	m := 357.52911 + T*(35999.05029-0.0001537*T)               // mean anomaly
	e := 0.016708634 - T*(0.000042037+0.0000001267*T)          // orbit eccentricity
	c := math.Sin(m*deg)*(1.914602-T*(0.004817+0.000014*T)) +
		math.Sin(2*m*deg)*(0.019993-0.000101*T) + math.Sin(3*m*deg)*0.000289 // equation of centre
	omega := 125.04 - 1934.136*T
	lambda := l0 + c - 0.00569 - 0.00478*math.Sin(omega*deg) // apparent longitude
	eps0 := 23 + (26+(21.448-T*(46.815+T*(0.00059-T*0.001813)))/60)/60
	eps := eps0 + 0.00256*math.Cos(omega*deg) // corrected obliquity
	decl := math.Asin(math.Sin(eps*deg) * math.Sin(lambda*deg))

	y := math.Tan(eps * deg / 2)
	y *= y
	eot := 4 / deg * (y*math.Sin(2*l0*deg) - 2*e*math.Sin(m*deg) +
		4*e*y*math.Sin(m*deg)*math.Cos(2*l0*deg) -
		0.5*y*y*math.Sin(4*l0*deg) - 1.25*e*e*math.Sin(2*m*deg)) // equation of time, minutes

	u := t.UTC()
	minutes := float64(u.Hour())*60 + float64(u.Minute()) + (float64(u.Second())+float64(u.Nanosecond())/1e9)/60
	tst := math.Mod(minutes+eot+4*lon, 1440) // true solar time
	ha := (tst/4 - 180) * deg                // hour angle, negative in the morning

	phi := lat * deg
	cosZ := math.Sin(phi)*math.Sin(decl) + math.Cos(phi)*math.Cos(decl)*math.Cos(ha)
	cosZ = max(-1, min(1, cosZ))
	el = 90 - math.Acos(cosZ)/deg
	az = math.Atan2(math.Sin(ha), math.Cos(ha)*math.Sin(phi)-math.Tan(decl)*math.Cos(phi))/deg + 180
	return math.Mod(az+360, 360), el + refraction(el)
}

// refraction is the atmospheric lift of the sun's apparent elevation, degrees
// (NOAA's piecewise approximation).
func refraction(el float64) float64 {
	const deg = math.Pi / 180
	var r float64 // arc seconds
	switch te := math.Tan(el * deg); {
	case el > 85:
		return 0
	case el > 5:
		r = 58.1/te - 0.07/(te*te*te) + 0.000086/math.Pow(te, 5)
	case el > -0.575:
		r = 1735 + el*(-518.2+el*(103.4+el*(-12.79+el*0.711)))
	default:
		r = -20.772 / te
	}
	return r / 3600
}
