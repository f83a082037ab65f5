package pointsource

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cdflow/cdflow/pointcloud"
)

// DefaultExclude are the ASPRS classes a source drops unless told
// otherwise: low noise (7) and high noise (18), the outliers a DSM's
// maximum would otherwise pick.
var DefaultExclude = []int{7, 18}

// Returns selects points by return number.
type Returns int

// The return selections.
const (
	AllReturns   Returns = iota
	FirstReturns         // return number 1: the top of canopy and roofs
	LastReturns          // return number = number of returns: closest to the ground
)

// ReturnNames are the values a source block's returns attribute takes.
var ReturnNames = []string{"all", "first", "last"}

// ParseReturns reads "all", "first" or "last".
func ParseReturns(s string) (Returns, bool) {
	i := slices.Index(ReturnNames, s)
	return Returns(max(i, 0)), i >= 0
}

func (r Returns) String() string { return ReturnNames[r] }

// Filter says which points a source keeps: by ASPRS class and by return.
// Points flagged withheld (meant to be deleted, by the LAS specification)
// are always dropped.
type Filter struct {
	drop    [256]bool
	Returns Returns
	// Keep and Exclude are the classes as given, for messages and keys.
	Keep, Exclude []int
}

// NewFilter keeps the classes in keep (all when empty) except those in
// exclude, and the returns r.
func NewFilter(keep, exclude []int, r Returns) (Filter, error) {
	f := Filter{Returns: r, Keep: slices.Clone(keep), Exclude: slices.Clone(exclude)}
	for _, c := range append(slices.Clone(keep), exclude...) {
		if c < 0 || c > 255 {
			return Filter{}, fmt.Errorf("class %d is not an ASPRS class code (0–255)", c)
		}
	}
	if len(keep) > 0 {
		for i := range f.drop {
			f.drop[i] = true
		}
		for _, c := range keep {
			f.drop[c] = false
		}
	}
	for _, c := range exclude {
		f.drop[c] = true
	}
	return f, nil
}

// String says what the filter keeps, for the lineage.
func (f Filter) String() string {
	var s []string
	if len(f.Keep) > 0 {
		s = append(s, "classes "+ints(f.Keep))
	}
	if len(f.Exclude) > 0 {
		s = append(s, "without classes "+ints(f.Exclude))
	}
	s = append(s, f.Returns.String()+" returns", "withheld points dropped")
	return strings.Join(s, ", ")
}

func ints(v []int) string {
	var s []string
	for _, i := range v {
		s = append(s, fmt.Sprint(i))
	}
	return strings.Join(s, ", ")
}

// recordAttributes reads a raw record's class, return number and number of
// returns (formats 0–5 pack them in fewer bits than 6–10).
func recordAttributes(b []byte, extended bool) (class, ret, n uint8) {
	if extended {
		return b[16], b[14] & 15, b[14] >> 4
	}
	return b[15] & 31, b[14] & 7, (b[14] >> 3) & 7
}

// keepRecord decides on a raw record of the given format.
func (f *Filter) keepRecord(b []byte, extended bool) bool {
	var ret, n, class uint8
	var withheld bool
	if extended {
		ret, n = b[14]&15, b[14]>>4
		withheld = b[15]&4 != 0
		class = b[16]
	} else {
		ret, n = b[14]&7, (b[14]>>3)&7
		withheld = b[15]&128 != 0
		class = b[15] & 31
	}
	if withheld || f.drop[class] {
		return false
	}
	switch f.Returns {
	case FirstReturns:
		return ret <= 1 // 0 is an unset return number: a single return
	case LastReturns:
		return ret >= n
	}
	return true
}

// keepPoint is keepRecord for a decoded point.
func (f *Filter) keepPoint(p *pointcloud.Point) bool {
	if p.ClassificationFlags&4 != 0 || f.drop[p.Classification] {
		return false
	}
	switch f.Returns {
	case FirstReturns:
		return p.ReturnNumber <= 1
	case LastReturns:
		return p.ReturnNumber >= p.NumberOfReturns
	}
	return true
}
