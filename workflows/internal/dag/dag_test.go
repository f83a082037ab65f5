package dag

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func at(line int) hcl.Range {
	return hcl.Range{Filename: "w.hcl", Start: hcl.Pos{Line: line, Column: 1, Byte: line * 100}, End: hcl.Pos{Line: line, Column: 5, Byte: line*100 + 4}}
}

func TestGraph(t *testing.T) {
	tests := []struct {
		name   string
		nodes  []string          // declared in this order, node i on line i+1
		edges  map[string]string // from -> comma-separated targets
		order  []string
		cycles []string // the path of each cycle
	}{
		{name: "chain declared backwards", nodes: []string{"c", "b", "a"}, edges: map[string]string{"c": "b", "b": "a"},
			order: []string{"a", "b", "c"}},
		{name: "ties by declaration", nodes: []string{"x", "y", "z"}, edges: map[string]string{"z": "x"},
			order: []string{"x", "y", "z"}},
		{name: "unknown targets ignored", nodes: []string{"a"}, edges: map[string]string{"a": "nowhere"}, order: []string{"a"}},
		{name: "self loop", nodes: []string{"a", "b"}, edges: map[string]string{"a": "a"},
			order: []string{"b"}, cycles: []string{"a → a"}},
		{name: "three-cycle and a dependant", nodes: []string{"a", "b", "c", "d"}, edges: map[string]string{"a": "c", "b": "a", "c": "b", "d": "a"},
			order: []string{"d"}, cycles: []string{"a → c → b → a"}},
		{name: "two cycles", nodes: []string{"a", "b", "c", "d", "e"}, edges: map[string]string{"a": "b", "b": "a", "c": "d", "d": "c", "e": "e,a"},
			order: []string{}, cycles: []string{"a → b → a", "c → d → c", "e → e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := New()
			line := map[string]int{}
			for i, n := range tt.nodes {
				g.Add(n, at(i+1))
				line[n] = i + 1
			}
			for _, n := range tt.nodes {
				if to, ok := tt.edges[n]; ok {
					for _, target := range strings.Split(to, ",") {
						g.Depend(n, Edge{To: target, Range: at(50 + line[n])})
					}
				}
			}
			diags, onCycle := g.Cycles()
			var cycles []string
			for _, d := range diags {
				path, _, _ := strings.Cut(d.Detail, " refer to")
				cycles = append(cycles, path)
				first := strings.Split(path, " → ")[0]
				if d.Subject == nil || d.Subject.Start.Line != 50+line[first] {
					t.Errorf("cycle %s points at %v, want the reference written in %s", path, d.Subject, first)
				}
			}
			if !reflect.DeepEqual(cycles, tt.cycles) {
				t.Errorf("cycles = %q, want %q", cycles, tt.cycles)
			}
			got := g.Order(onCycle)
			// Blocks on a cycle are left out; those depending on them stay,
			// and their references evaluate to unknown values.
			if len(got) == 0 && len(tt.order) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.order) {
				t.Errorf("order = %v, want %v", got, tt.order)
			}
		})
	}
}
