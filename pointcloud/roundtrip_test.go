package pointcloud

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
)

// derivedLAS rewrites a real LAS file with another point format: conv
// fills each new record from the old one (the new record is zeroed).
func derivedLAS(t testing.TB, src []byte, format uint8, recLen int, conv func(i int, old, rec []byte)) []byte {
	t.Helper()
	f, err := OpenReader(bytes.NewReader(src), int64(len(src)), "src")
	if err != nil {
		t.Fatal(err)
	}
	h := f.Header()
	all, err := f.ReadAll(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	out := append([]byte(nil), src[:h.PointDataOffset]...)
	out[104] = format
	le.PutUint16(out[105:], uint16(recLen))
	if h.VersionMinor >= 4 {
		le.PutUint64(out[235:], 0)
		le.PutUint32(out[243:], 0)
	}
	rec := make([]byte, recLen)
	for i := 0; i < all.Len(); i++ {
		clear(rec)
		conv(i, all.Raw(i), rec)
		out = append(out, rec...)
	}
	return out
}

// Conversions from autzen's formats 3 and 7 to the other formats.
func to0(_ int, old, rec []byte) { copy(rec, old[:20]) }
func to1(_ int, old, rec []byte) { copy(rec, old[:28]) }
func to2(_ int, old, rec []byte) { copy(rec, old[:20]); copy(rec[20:], old[28:34]) }
func to6(_ int, old, rec []byte) { copy(rec, old[:30]) }

// to8multi adds a NIR band and spreads the points over the four scanner
// channels, switching every 50 points, so the layered decoder creates and
// revisits channel contexts.
func to8multi(i int, old, rec []byte) {
	copy(rec, old[:36])
	binary.LittleEndian.PutUint16(rec[36:], binary.LittleEndian.Uint16(old[30:])^uint16(i>>4))
	ch := (i/50%3 + i/1000) % 4
	rec[15] = rec[15]&^0x30 | byte(ch)<<4
}

// withExtra appends three extra bytes, one of them constant.
func withExtra(base int, conv func(int, []byte, []byte)) func(int, []byte, []byte) {
	return func(i int, old, rec []byte) {
		conv(i, old, rec)
		rec[base], rec[base+1], rec[base+2] = byte(i%7), old[12], 42
	}
}

// TestLAZRoundTrip compresses real LAS files (and formats derived from
// them) with the test encoder and checks the decoder gives back every
// record byte for byte, for fixed and variable chunks, v3 and v4 items.
func TestLAZRoundTrip(t *testing.T) {
	ctx := context.Background()
	autzen3 := readLidar(t, "autzen_trim.las")
	autzen7 := readLidar(t, "autzen_trim_7.las")
	bmx := readLidar(t, "autzen-bmx-2010.las")
	cases := []struct {
		name string
		las  []byte
		spec lazSpec
	}{
		{"format6-test1_4-fixed", readLidar(t, "test1_4.las"), lazSpec{layered: true, chunks: fixedChunks(1000, 300)}},
		{"format6-test1_4-variable", readLidar(t, "test1_4.las"), lazSpec{layered: true, chunks: []int{1, 2, 500, 497}, variable: true}},
		{"format7-autzen", autzen7, lazSpec{layered: true, chunks: fixedChunks(110000, 50000)}},
		{"format7-bmx-2023", readLidar(t, "autzen-bmx-2023.las"), lazSpec{layered: true, chunks: fixedChunks(687, 100)}},
		{"format7-bmx-v4", bmx, lazSpec{layered: true, chunks: fixedChunks(829, 400), version: 4}},
		{"format6-from-7", derivedLAS(t, bmx, 6, 30, to6), lazSpec{layered: true, chunks: []int{829}, variable: true}},
		{"format8-multichannel", derivedLAS(t, autzen7, 8, 38, to8multi), lazSpec{layered: true, chunks: fixedChunks(110000, 50000)}},
		{"format8-multichannel-v4", derivedLAS(t, autzen7, 8, 38, to8multi), lazSpec{layered: true, chunks: fixedChunks(110000, 30000), version: 4}},
		{"format8-extrabytes", derivedLAS(t, bmx, 8, 41, withExtra(38, to8multi)), lazSpec{layered: true, chunks: []int{100, 729}, variable: true}},
		{"format0-autzen", derivedLAS(t, autzen3, 0, 20, to0), lazSpec{chunks: fixedChunks(110000, 50000)}},
		{"format1-autzen", derivedLAS(t, autzen3, 1, 28, to1), lazSpec{chunks: fixedChunks(110000, 50000)}},
		{"format2-autzen-variable", derivedLAS(t, autzen3, 2, 26, to2), lazSpec{chunks: []int{10000, 60000, 1, 39999}, variable: true}},
		{"format3-single-stream", readLidar(t, "lazrs-point-time-color.las"), lazSpec{chunks: []int{1065}, single: true}},
		{"format1-extrabytes", derivedLAS(t, autzen3, 1, 31, withExtra(28, to1)), lazSpec{chunks: fixedChunks(110000, 50000)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			laz := writeLAZ(t, c.las, c.spec)
			zf, err := OpenReader(bytes.NewReader(laz), int64(len(laz)), c.name+".laz")
			if err != nil {
				t.Fatal(err)
			}
			sf, err := OpenReader(bytes.NewReader(c.las), int64(len(c.las)), c.name+".las")
			if err != nil {
				t.Fatal(err)
			}
			if zf.NumChunks() != len(c.spec.chunks) {
				t.Fatalf("%d chunks, wrote %d", zf.NumChunks(), len(c.spec.chunks))
			}
			got, err := zf.ReadAll(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			want, err := sf.ReadAll(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != want.Len() {
				t.Fatalf("decoded %d records, want %d", got.Len(), want.Len())
			}
			for i := 0; i < got.Len(); i++ {
				if !bytes.Equal(got.Raw(i), want.Raw(i)) {
					t.Fatalf("record %d differs:\ngot  %x\nwant %x", i, got.Raw(i), want.Raw(i))
				}
			}
			channels := map[uint8]bool{}
			for i := 0; i < got.Len(); i++ {
				channels[got.Point(i).ScannerChannel] = true
			}
			if bytes.Contains([]byte(c.name), []byte("multichannel")) && len(channels) != 4 {
				t.Fatalf("multichannel data uses channels %v", channels)
			}
			t.Logf("%d points, %d → %d bytes", got.Len(), len(c.las), len(laz))
		})
	}
}
