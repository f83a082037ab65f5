package execute

import (
	"testing"

	"github.com/cdflow/cdflow/workflows"
)

func TestStripOrder(t *testing.T) {
	g := workflows.TileGrid{Size: 200, Col0: 3, Row0: 0, Cols: 10, Rows: 3}
	tiles := g.Tiles()
	got := stripOrder(tiles)
	if len(got) != len(tiles) {
		t.Fatalf("%d tiles, want %d", len(got), len(tiles))
	}
	seen := map[string]bool{}
	for i, tl := range got {
		seen[tl.ID] = true
		if i == 0 {
			continue
		}
		prev := got[i-1]
		ps, s := (prev.Col-3)/stripColumns, (tl.Col-3)/stripColumns
		switch {
		case s < ps:
			t.Fatalf("tile %d (col %d) in strip %d after strip %d", i, tl.Col, s, ps)
		case s == ps && (tl.Row > prev.Row || tl.Row == prev.Row && tl.Col < prev.Col):
			t.Fatalf("tile %d (col %d row %d) out of reading order after col %d row %d", i, tl.Col, tl.Row, prev.Col, prev.Row)
		}
	}
	if len(seen) != len(tiles) {
		t.Errorf("%d distinct tiles, want %d", len(seen), len(tiles))
	}
}
