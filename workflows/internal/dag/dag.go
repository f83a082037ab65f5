// Package dag is the dependency graph of a workflow's addressable blocks:
// cycles reported as diagnostics naming every block on them, and a
// deterministic topological order.
package dag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Edge is a reference from one node to another, with where it is written.
type Edge struct {
	To    string
	Range hcl.Range
}

// Graph is the dependency graph of the addressable blocks (variables,
// locals, sources, steps): an edge from a block to every block its
// expressions reference. Order in the files does not matter; it only breaks
// ties so the order is deterministic.
type Graph struct {
	nodes []string             // addresses in declaration order
	decl  map[string]hcl.Range // where each node is declared
	edges map[string][]Edge
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{decl: map[string]hcl.Range{}, edges: map[string][]Edge{}}
}

// Add declares a node and where it is declared; the first declaration wins.
func (g *Graph) Add(addr string, decl hcl.Range) {
	if _, ok := g.decl[addr]; ok {
		return
	}
	g.nodes = append(g.nodes, addr)
	g.decl[addr] = decl
}

// Depend records that from refers to other nodes.
func (g *Graph) Depend(from string, refs ...Edge) {
	g.edges[from] = append(g.edges[from], refs...)
}

// Cycles returns one diagnostic per cycle, naming every block on it in
// order, and the set of blocks on a cycle.
func (g *Graph) Cycles() (hcl.Diagnostics, map[string]bool) {
	// Tarjan's strongly connected components.
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var sccs [][]string
	next := 0
	var connect func(v string)
	connect = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, e := range g.edges[v] {
			w := e.To
			if _, ok := g.decl[w]; !ok {
				continue
			}
			if _, seen := index[w]; !seen {
				connect(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			sccs = append(sccs, scc)
		}
	}
	for _, v := range g.nodes {
		if _, seen := index[v]; !seen {
			connect(v)
		}
	}
	pos := map[string]int{}
	for i, v := range g.nodes {
		pos[v] = i
	}
	var diags hcl.Diagnostics
	onCycle := map[string]bool{}
	sort.Slice(sccs, func(i, j int) bool { return minPos(sccs[i], pos) < minPos(sccs[j], pos) })
	for _, scc := range sccs {
		in := map[string]bool{}
		for _, v := range scc {
			in[v] = true
		}
		if len(scc) == 1 && !g.selfLoop(scc[0]) {
			continue
		}
		for v := range in {
			onCycle[v] = true
		}
		// The shortest cycle through the first-declared block, found
		// breadth-first, names the blocks in the order they refer.
		start := scc[0]
		for _, v := range scc {
			if pos[v] < pos[start] {
				start = v
			}
		}
		type hop struct {
			from string
			ref  *Edge
		}
		parent := map[string]hop{}
		queue := []string{start}
		var closing hop
		for len(queue) > 0 && closing.ref == nil {
			u := queue[0]
			queue = queue[1:]
			for i := range g.edges[u] {
				e := &g.edges[u][i]
				w := e.To
				if !in[w] {
					continue
				}
				if w == start {
					closing = hop{from: u, ref: e}
					break
				}
				if _, seen := parent[w]; !seen {
					parent[w] = hop{from: u, ref: e}
					queue = append(queue, w)
				}
			}
		}
		path := []string{start}
		first := closing.ref
		for v := closing.from; v != start; v = parent[v].from {
			path = append(path, v)
			first = parent[v].ref
		}
		// path is start, then the blocks backwards; put them in reference order.
		for i, j := 1, len(path)-1; i < j; i, j = i+1, j-1 {
			path[i], path[j] = path[j], path[i]
		}
		path = append(path, start)
		subject := g.decl[start]
		if first != nil {
			subject = first.Range
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Dependency cycle",
			Detail:   fmt.Sprintf("%s refer to each other in a cycle; remove one of these references.", strings.Join(path, " → ")),
			Subject:  &subject,
		})
	}
	return diags, onCycle
}

func (g *Graph) selfLoop(v string) bool {
	for _, e := range g.edges[v] {
		if e.To == v {
			return true
		}
	}
	return false
}

func minPos(scc []string, pos map[string]int) int {
	m := len(pos)
	for _, v := range scc {
		m = min(m, pos[v])
	}
	return m
}

// Order returns the nodes not on a cycle, every node after the nodes it
// depends on, ties broken by declaration order.
func (g *Graph) Order(skip map[string]bool) []string {
	indegree := map[string]int{}
	users := map[string][]string{}
	for _, v := range g.nodes {
		if skip[v] {
			continue
		}
		seen := map[string]bool{}
		for _, e := range g.edges[v] {
			w := e.To
			if _, ok := g.decl[w]; !ok || skip[w] || seen[w] {
				continue
			}
			seen[w] = true
			indegree[v]++
			users[w] = append(users[w], v)
		}
	}
	pos := map[string]int{}
	for i, v := range g.nodes {
		pos[v] = i
	}
	var ready, out []string
	for _, v := range g.nodes {
		if !skip[v] && indegree[v] == 0 {
			ready = append(ready, v)
		}
	}
	for len(ready) > 0 {
		sort.Slice(ready, func(i, j int) bool { return pos[ready[i]] < pos[ready[j]] })
		v := ready[0]
		ready = ready[1:]
		out = append(out, v)
		for _, u := range users[v] {
			indegree[u]--
			if indegree[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	return out
}

// SortByDeclaration orders the nodes as they appear in the files, given
// each file's position in the load order.
func (g *Graph) SortByDeclaration(fileIndex map[string]int) {
	sort.SliceStable(g.nodes, func(i, j int) bool {
		a, b := g.decl[g.nodes[i]], g.decl[g.nodes[j]]
		if fa, fb := fileIndex[a.Filename], fileIndex[b.Filename]; fa != fb {
			return fa < fb
		}
		return a.Start.Byte < b.Start.Byte
	})
}
