package als

import "time"

// LAS 1.4 stores adjusted standard GPS time: seconds since the GPS epoch
// (1980-01-06 UTC) minus 1e9. GPS time has no leap seconds, so it runs ahead
// of UTC by the leap seconds inserted since 1980.
var (
	gpsEpoch = time.Date(1980, 1, 6, 0, 0, 0, 0, time.UTC)
	// leapSeconds are the days from which GPS−UTC grew by one second.
	leapSeconds = []time.Time{
		day(1981, 7), day(1982, 7), day(1983, 7), day(1985, 7), day(1988, 1),
		day(1990, 1), day(1991, 1), day(1992, 7), day(1993, 7), day(1994, 7),
		day(1996, 1), day(1997, 7), day(1999, 1), day(2006, 1), day(2009, 1),
		day(2012, 7), day(2015, 7), day(2017, 1),
	}
)

func day(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// AdjustedGPSTime converts a UTC instant to adjusted standard GPS time.
func AdjustedGPSTime(t time.Time) float64 {
	t = t.UTC()
	leaps := 0
	for _, d := range leapSeconds {
		if !t.Before(d) {
			leaps++
		}
	}
	return t.Sub(gpsEpoch).Seconds() + float64(leaps) - 1e9
}
