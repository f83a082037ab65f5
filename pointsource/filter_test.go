package pointsource

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/pointcloud"
)

// filterRules are the filters the tests run, with what they should keep.
var filterRules = []rule{
	{},
	{exclude: DefaultExclude},
	{keep: []int{2}, returns: FirstReturns},
	{keep: []int{2, 6}, exclude: []int{6}, returns: LastReturns},
	{exclude: []int{1}, returns: LastReturns},
	{keep: []int{64, 255}},
	{keep: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 18, 31}, exclude: []int{18}, returns: FirstReturns},
	{keep: []int{31}, returns: LastReturns},
	{exclude: []int{0}, returns: FirstReturns},
}

// synthPoints are hand-built records covering classes, returns, flags and
// the bits sharing their bytes; legacy keeps only what its layout holds.
func synthPoints(legacy bool) []synth {
	classes := []uint8{0, 1, 2, 6, 7, 9, 17, 18, 31, 32, 64, 200, 255}
	rets := [][2]uint8{{0, 0}, {1, 0}, {1, 1}, {1, 3}, {2, 3}, {3, 3}, {4, 3}, {5, 5}, {7, 7}, {1, 15}, {8, 12}, {12, 12}, {15, 15}}
	flags := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 15}
	var out []synth
	i := 0
	for _, c := range classes {
		for _, r := range rets {
			for _, fl := range flags {
				if legacy && (c > 31 || r[0] > 7 || r[1] > 7 || fl > 7) {
					continue
				}
				i++
				out = append(out, synth{
					X: int32(i), Y: int32(-i), Z: int32(i * 3),
					Class: c, Ret: r[0], N: r[1], Flags: fl,
					ScanDir: i%2 == 0, Edge: i%3 == 0, Channel: uint8(i % 4),
				})
			}
		}
	}
	return out
}

// TestFilterRecordMatchesPoint checks, for every point format, that the
// filter's decision on a raw record (keepRecord, used by Bin) and on the
// decoded point (keepPoint, used by ReadBox) both equal the rule's, over
// hand-built records whose class, return and flag bytes share their bits
// with scan direction, edge of flight line, scanner channel and the other
// flags.
func TestFilterRecordMatchesPoint(t *testing.T) {
	for f := uint8(0); f <= 10; f++ {
		legacy := f < 6
		pts := synthPoints(legacy)
		rl := pointcloud.BaseRecordLen(f)
		recs := &pointcloud.Records{Format: f, RecordLen: rl, Scale: [3]float64{0.01, 0.01, 0.01}}
		for _, p := range pts {
			recs.Data = append(recs.Data, encodeRecord(f, p)...)
		}
		if recs.Len() != len(pts) {
			t.Fatalf("format %d: %d records built, want %d", f, recs.Len(), len(pts))
		}
		for _, r := range filterRules {
			flt := r.filter(t)
			kept := 0
			for i, p := range pts {
				withheld := p.Flags&4 != 0
				want := r.wants(p.Class, p.Ret, p.N, withheld)
				dp := recs.Point(i)
				// The records are what the spec says: the reader agrees.
				if dp.Classification != p.Class || dp.ReturnNumber != p.Ret || dp.NumberOfReturns != p.N || (dp.ClassificationFlags&4 != 0) != withheld {
					t.Fatalf("format %d record %d: built %+v, reader decodes class %d return %d/%d flags %b", f, i, p, dp.Classification, dp.ReturnNumber, dp.NumberOfReturns, dp.ClassificationFlags)
				}
				got := flt.keepRecord(recs.Raw(i), f >= 6)
				if got != want {
					t.Errorf("format %d, filter %s: keepRecord(class %d, return %d/%d, flags %04b, dir %v, edge %v, channel %d) = %v, want %v",
						f, flt, p.Class, p.Ret, p.N, p.Flags, p.ScanDir, p.Edge, p.Channel, got, want)
				}
				if gp := flt.keepPoint(&dp); gp != got {
					t.Errorf("format %d, filter %s: keepPoint = %v but keepRecord = %v for class %d, return %d/%d, flags %04b",
						f, flt, gp, got, p.Class, p.Ret, p.N, p.Flags)
				}
				if want {
					kept++
				}
			}
			// No rule keeps all records (some are withheld) nor none (but
			// classes above 31 in the legacy layout), so a filter deciding
			// the same for every record cannot pass by chance.
			onlyHigh := len(r.keep) > 0 && slices.Min(r.keep) > 31
			if kept == len(pts) || (kept == 0 && !(legacy && onlyHigh)) {
				t.Fatalf("format %d, filter %s keeps %d of %d test records: the set does not discriminate", f, flt, kept, len(pts))
			}
		}
	}
}

// TestFilterWithheldAlwaysDropped: a withheld point of a kept class and
// return is dropped by every filter, in both layouts; a synthetic or
// key-point (or overlap) one is kept.
func TestFilterWithheldAlwaysDropped(t *testing.T) {
	for _, f := range []uint8{0, 3, 6, 7} {
		for _, r := range filterRules {
			flt := r.filter(t)
			for _, fl := range []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 12} {
				if f < 6 && fl > 7 {
					continue
				}
				for _, class := range []uint8{2, 31} {
					p := synth{Class: class, Ret: 1, N: 1, Flags: fl}
					if !r.wants(class, 1, 1, false) {
						continue
					}
					got := flt.keepRecord(encodeRecord(f, p), f >= 6)
					if want := fl&4 == 0; got != want {
						t.Errorf("format %d, filter %s, class %d, flags %04b: kept %v, want %v", f, flt, class, fl, got, want)
					}
				}
			}
		}
	}
}

// TestFilterRealRecords runs the filters over autzen_trim in point format
// 3 and 7: raw and decoded decisions agree with the rule on every point,
// and both formats keep the same number of points.
func TestFilterRealRecords(t *testing.T) {
	ctx := context.Background()
	for _, r := range filterRules {
		flt := r.filter(t)
		counts := map[string]int{}
		for _, name := range []string{"autzen_trim.las", "autzen_trim_7.las", "autzen_trim.laz"} {
			f, err := pointcloud.Open(lidarFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			recs, err := f.ReadAll(ctx, 2)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			var p pointcloud.Point
			for i := range recs.Len() {
				recs.PointInto(i, &p)
				want := r.wants(p.Classification, p.ReturnNumber, p.NumberOfReturns, p.ClassificationFlags&4 != 0)
				if got := flt.keepRecord(recs.Raw(i), recs.Format >= 6); got != want {
					t.Fatalf("%s point %d, filter %s: keepRecord = %v, want %v", name, i, flt, got, want)
				}
				if got := flt.keepPoint(&p); got != want {
					t.Fatalf("%s point %d, filter %s: keepPoint = %v, want %v", name, i, flt, got, want)
				}
				if want {
					counts[name]++
				}
			}
		}
		if counts["autzen_trim.las"] != counts["autzen_trim_7.las"] || counts["autzen_trim.las"] != counts["autzen_trim.laz"] {
			t.Errorf("filter %s keeps %v points: formats 3 and 7 and LAZ disagree", flt, counts)
		}
	}
}

func TestNewFilterRejectsBadClasses(t *testing.T) {
	for _, c := range [][2][]int{{{-1}, nil}, {{256}, nil}, {nil, {300}}, {{2}, {-5}}} {
		_, err := NewFilter(c[0], c[1], AllReturns)
		if err == nil || !strings.Contains(err.Error(), "class") {
			t.Errorf("NewFilter(%v, %v) = %v, want a class error", c[0], c[1], err)
		}
	}
	if _, err := NewFilter([]int{0, 255}, []int{7, 18}, LastReturns); err != nil {
		t.Errorf("NewFilter with classes 0 and 255: %v", err)
	}
}

// TestNewFilterCopiesClasses: the filter does not alias the caller's slices.
func TestNewFilterCopiesClasses(t *testing.T) {
	keep, excl := []int{2, 3}, []int{7}
	f, err := NewFilter(keep, excl, AllReturns)
	if err != nil {
		t.Fatal(err)
	}
	keep[0], excl[0] = 9, 3
	if !slices.Equal(f.Keep, []int{2, 3}) || !slices.Equal(f.Exclude, []int{7}) {
		t.Errorf("filter classes changed with the caller's slices: keep %v exclude %v", f.Keep, f.Exclude)
	}
	if !f.keepRecord(encodeRecord(0, synth{Class: 3, Ret: 1, N: 1}), false) {
		t.Error("class 3 dropped after the caller changed its exclude slice")
	}
}

func TestParseReturnsAndString(t *testing.T) {
	for i, s := range ReturnNames {
		r, ok := ParseReturns(s)
		if !ok || r != Returns(i) || r.String() != s {
			t.Errorf("ParseReturns(%q) = %v, %v", s, r, ok)
		}
	}
	for _, s := range []string{"", "First", "second", "all "} {
		if _, ok := ParseReturns(s); ok {
			t.Errorf("ParseReturns(%q) accepted", s)
		}
	}
	f, _ := NewFilter([]int{2, 6}, []int{7, 18}, FirstReturns)
	want := "classes 2, 6, without classes 7, 18, first returns, withheld points dropped"
	if got := f.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	f, _ = NewFilter(nil, nil, AllReturns)
	if got := f.String(); got != "all returns, withheld points dropped" {
		t.Errorf("String() = %q", got)
	}
}
