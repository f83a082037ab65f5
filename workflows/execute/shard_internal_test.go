package execute

import (
	"testing"

	"github.com/cdflow/cdflow/workflows/plans"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/4", Shard{0, 4}, true},
		{"3/4", Shard{3, 4}, true},
		{"0/1", Shard{0, 1}, true},
		{"4/4", Shard{}, false},
		{"-1/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v", tc.in, got, err)
		}
	}
	tiles := make([]plans.Tile, 10)
	for i := range tiles {
		tiles[i].Col = i
	}
	seen := map[int]int{}
	for i := range 3 {
		for _, tl := range (Shard{i, 3}).Select(tiles) {
			seen[tl.Col]++
			if tl.Col%3 != i {
				t.Errorf("shard %d/3 took tile %d", i, tl.Col)
			}
		}
	}
	if len(seen) != 10 {
		t.Errorf("shards cover %d of 10 tiles", len(seen))
	}
}
