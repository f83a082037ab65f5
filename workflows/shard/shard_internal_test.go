package shard

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/plugins"
	"github.com/cdflow/cdflow/raster"
	"github.com/cdflow/cdflow/schema"
	"github.com/cdflow/cdflow/workflows/execute"
	"github.com/cdflow/cdflow/workflows/plans"
)

// TestPartialRoundTrip checks that a tile's result survives the partial
// manifest exactly: pointers to zero stay pointers, nil stays nil, empty
// lists stay empty, and NaN and infinite band statistics come back.
func TestPartialRoundTrip(t *testing.T) {
	zero, one := float32(0), float32(1.5)
	nd := -9999.0
	in := execute.TileResult{
		Tile:     plans.Tile{ID: "E1_N2", Col: 1, Row: 2, Extent: raster.Extent{MinX: 1, MinY: 2, MaxX: 201, MaxY: 202}},
		Products: map[string]string{"dh": "run/tiles/E1_N2/dh.tif"},
		Stats: schema.TileStats{
			TileID: "E1_N2", DHStd: &zero, DHMin: &one, QAFlags: []string{},
			DatetimeT0:  time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC),
			DHHistogram: make([]int32, 80), OrthoMeanT0: &[3]float32{1, 2, 3}, Geometry: []byte{1, 2, 3},
			ChangeFraction: 1.0 / 3,
		},
		Assets: []plugins.Asset{{Name: "dh", Bands: []plugins.BandInfo{
			{NoData: &nd, Min: math.NaN(), Max: math.NaN(), ValidPercent: 0},
			{Min: math.Inf(-1), Max: math.Inf(1), Mean: 0.1, StdDev: 1e-300, ValidPercent: 100},
		}}},
		FootprintWGS84: [][2]float64{{-4.1, 41.2}},
	}
	b, err := json.Marshal(partial{Tiles: []execute.TileResult{in}})
	if err != nil {
		t.Fatal(err)
	}
	var out partial
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	got := out.Tiles[0]
	bi := got.Assets[0].Bands
	if !math.IsNaN(bi[0].Min) || !math.IsNaN(bi[0].Max) || !math.IsInf(bi[1].Min, -1) || !math.IsInf(bi[1].Max, 1) {
		t.Fatalf("non-finite statistics lost: %+v", bi)
	}
	// NaN ≠ NaN: compare the rest with them set aside.
	for _, r := range []*execute.TileResult{&in, &got} {
		r.Assets[0].Bands[0].Min, r.Assets[0].Bands[0].Max = 0, 0
	}
	if !reflect.DeepEqual(in, got) {
		t.Errorf("round trip changed the result:\n got %+v\nwant %+v", got, in)
	}
}

// TestReadHeader reads manifests' headers: one as Write lays it out, its
// tiles cut off after their key (the header is read without scanning
// them), one with the tiles before the findings (all of it is read), and
// bad ones, refused naming the file.
func TestReadHeader(t *testing.T) {
	want := header{Format: partialFormat, Shard: 1, Shards: 3, Plan: "k", Grid: 9,
		Findings: []plugins.Finding{{Check: "shift", Detail: "m"}}, Lineage: []string{"a"}}
	p := partial{Format: want.Format, Shard: want.Shard, Shards: want.Shards, Plan: want.Plan, Grid: want.Grid,
		Findings: want.Findings, Lineage: want.Lineage, Tiles: []execute.TileResult{{Tile: plans.Tile{ID: "E1_N2"}}}}
	b, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), `"results":`)
	if i < 0 {
		t.Fatalf("no results in %s", b)
	}
	cut := string(b[:i+len(`"results":`)]) + " [{not json"
	for _, tc := range []struct {
		name, text, err string
	}{
		{"tiles cut off after the header", cut, ""},
		{"tiles first", `{"format":3,"shard":1,"shards":3,"plan":"k","tiles":9,"results":[{"tile":{"id":"E1_N2"}}],"findings":[{"Check":"shift","Detail":"m"}],"lineage":["a"],"other":{}}`, ""},
		{"another format", `{"format":2,"shard":1,"shards":3,"results":[]}`, "has format 2"},
		{"bad shard", `{"format":3,"shard":3,"shards":3,"results":[]}`, "bad shard 3/3"},
		{"not an object", `[1]`, "not a JSON object"},
		{"cut short", `{"format":3,"shard":1,"shards":3,"plan":"k","tiles":9,"findings":[`, "findings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "shard-0001-of-0003.json")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			h, err := readHeader(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and saying %q", err, path, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*h, want) {
				t.Errorf("header %+v, want %+v", *h, want)
			}
		})
	}
}

// TestIndexAndPlaceholders: a shard's object index read back by the merge
// places each product as a placeholder of its object, and refuses a
// product the index does not hold as the manifest describes it.
func TestIndexAndPlaceholders(t *testing.T) {
	root := objstore.URL{Bucket: "b", Key: "run-1"}
	s := execute.Shard{Index: 1, Count: 3}
	tr := execute.TileResult{Tile: plans.Tile{ID: "E1_N2"}, Assets: []plugins.Asset{
		{Name: "dh", Path: "run/tiles/E1_N2/dh.tif", Size: 300},
		{Name: "thumbnail", Path: "run/tiles/E1_N2/thumbnail.png", Size: 20, Preview: true},
	}}
	uploaded := []Uploaded{
		{Path: "run/tiles/E1_N2/thumbnail.png", Size: 20, MD5: "22222222222222222222222222222222"},
		{Path: "run/tiles/E1_N2/dh.tif", Size: 300, MD5: "11111111111111111111111111111111"},
		{Path: "run/tiles/E1_N2/manifest.json", Size: 9, MD5: "33333333333333333333333333333333"},
	}
	shardOut := t.TempDir()
	path, err := WriteIndex(shardOut, s, uploaded)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(filepath.Dir(path), partialName(s))
	h := &header{Shard: 1, Shards: 3}
	idx, err := readIndex(manifest, h, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 3 || idx["run/tiles/E1_N2/dh.tif"] != uploaded[1] {
		t.Fatalf("index read back: %v", idx)
	}
	out := t.TempDir()
	if err := placeTile(out, root, idx, tr); err != nil {
		t.Fatal(err)
	}
	for i, a := range tr.Assets {
		o, ok := objstore.Placeholder(filepath.Join(out, a.Path))
		want := objstore.Object{URL: root.Join(a.Path), Size: a.Size, ETag: uploaded[1-i].MD5}
		if !ok || o != want {
			t.Errorf("%s: placeholder %+v, %v; want %+v", a.Name, o, ok, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "run/tiles/E1_N2/manifest.json")); !os.IsNotExist(err) {
		t.Errorf("a file that is no product was placed: %v", err)
	}

	bad := []struct {
		name string
		edit func(a *plugins.Asset)
		want string
	}{
		{"not uploaded", func(a *plugins.Asset) { a.Path = "run/tiles/E1_N2/dsm.tif" }, "s3://b/run-1/run/tiles/E1_N2/dsm.tif) is not among the objects the shard uploaded"},
		{"another size", func(a *plugins.Asset) { a.Size = 301 }, "uploaded with 300 bytes, but the shard wrote 301"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			b := tr
			b.Assets = []plugins.Asset{tr.Assets[0]}
			tc.edit(&b.Assets[0])
			if err := placeTile(t.TempDir(), root, idx, b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	// The index of another shard under this one's name is refused.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := execute.Shard{Index: 2, Count: 3}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), indexName(other)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readIndex(manifest, &header{Shard: 2, Shards: 3}, root); err == nil || !strings.Contains(err.Error(), "s3://b/run-1/run/shards/objects-0002-of-0003.json is the object index of shard 1/3 (format 1), not of shard 2/3") {
		t.Errorf("index of another shard: %v", err)
	}
	// A damaged one is named by its object, with what to do.
	if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readIndex(manifest, h, root); err == nil || !strings.Contains(err.Error(), "the object index s3://b/run-1/run/shards/objects-0001-of-0003.json of shard 1/3 is damaged") ||
		!strings.Contains(err.Error(), "cdflow run --shard 1/3 --upload s3://b/run-1") {
		t.Errorf("damaged index: %v", err)
	}
}
