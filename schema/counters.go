package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// Counter is a per-tile count a step keeps, such as the changed pixels
// one noise filter removed: a column of tiles.parquet. "group.field" names
// a field of the struct column group; a name without a dot is an int32
// column of its own. Counter columns follow dh_histogram, groups and
// columns in the order their counters come.
type Counter struct {
	Name string
	Doc  string
}

// Count is one counter's value on a tile.
type Count struct {
	Name string
	N    int32
}

// Count returns the value of a counter on the tile (0 when it has none).
func (t *TileStats) Count(name string) int32 {
	for _, c := range t.Counts {
		if c.Name == name {
			return c.N
		}
	}
	return 0
}

// groupDocs describe the counter groups cdflow knows; other groups get a
// generic description.
var groupDocs = map[string]string{
	"dropped_pixels": "cd3d pixels over the threshold that noise removal set to no change, per reason.",
}

var counterName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$`)

// counterColumns turns counters into columns: one struct per group, one
// int32 column per ungrouped counter.
func counterColumns(cs []Counter) ([]table.Column[TileStats], error) {
	fixed := map[string]bool{}
	for _, c := range tileColumns {
		fixed[c.Field.Name] = true
	}
	type group struct {
		name         string
		fields, docs []string
	}
	var groups []*group
	byName := map[string]*group{}
	seen := map[string]bool{}
	for _, c := range cs {
		if !counterName.MatchString(c.Name) {
			return nil, fmt.Errorf("counter %q: want lower-case words joined by _, with at most one dot (group.field)", c.Name)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("counter %q declared twice", c.Name)
		}
		seen[c.Name] = true
		g, field, grouped := strings.Cut(c.Name, ".")
		if fixed[g] {
			return nil, fmt.Errorf("counter %q: %s is a column of tiles.parquet already", c.Name, g)
		}
		if !grouped {
			if byName[g] != nil {
				return nil, fmt.Errorf("counter %q is also a group of counters", c.Name)
			}
			byName[g] = &group{name: g, docs: []string{c.Doc}}
			groups = append(groups, byName[g])
			continue
		}
		gr := byName[g]
		if gr == nil {
			gr = &group{name: g}
			byName[g] = gr
			groups = append(groups, gr)
		} else if gr.fields == nil {
			return nil, fmt.Errorf("counter %q: %s is a counter of its own", c.Name, g)
		}
		gr.fields, gr.docs = append(gr.fields, field), append(gr.docs, c.Doc)
	}
	var out []table.Column[TileStats]
	for _, g := range groups {
		if g.fields == nil {
			out = append(out, countCol(g.name, g.docs[0]))
			continue
		}
		doc := groupDocs[g.name]
		if doc == "" {
			doc = "Per-tile counts of " + strings.ReplaceAll(g.name, "_", " ") + ", per field."
		}
		out = append(out, countStructCol(g.name, doc, g.fields, g.docs))
	}
	return out, nil
}

func countCol(name, doc string) table.Column[TileStats] {
	return table.Column[TileStats]{
		Field: table.Field(name, arrow.PrimitiveTypes.Int32, false, doc),
		Writer: func(b array.Builder) func(*TileStats) error {
			bb := b.(*array.Int32Builder)
			return func(r *TileStats) error { bb.Append(r.Count(name)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *TileStats) error {
			aa := a.(*array.Int32)
			return func(i int, r *TileStats) error {
				r.Counts = append(r.Counts, Count{Name: name, N: aa.Value(i)})
				return nil
			}
		},
	}
}

func countStructCol(group, doc string, fields, docs []string) table.Column[TileStats] {
	fs := make([]arrow.Field, len(fields))
	for i := range fields {
		fs[i] = table.Field(fields[i], arrow.PrimitiveTypes.Int32, false, docs[i])
	}
	return table.Column[TileStats]{
		Field: table.Field(group, arrow.StructOf(fs...), false, doc),
		Writer: func(b array.Builder) func(*TileStats) error {
			bb := b.(*array.StructBuilder)
			fbs := make([]*array.Int32Builder, len(fields))
			for i := range fbs {
				fbs[i] = bb.FieldBuilder(i).(*array.Int32Builder)
			}
			return func(r *TileStats) error {
				bb.Append(true)
				for i, f := range fields {
					fbs[i].Append(r.Count(group + "." + f))
				}
				return nil
			}
		},
		Reader: func(a arrow.Array) func(int, *TileStats) error {
			aa := a.(*array.Struct)
			fas := make([]*array.Int32, len(fields))
			for i := range fas {
				fas[i] = aa.Field(i).(*array.Int32)
			}
			return func(i int, r *TileStats) error {
				for j, f := range fields {
					r.Counts = append(r.Counts, Count{Name: group + "." + f, N: fas[j].Value(i)})
				}
				return nil
			}
		},
	}
}

// tileFileLayout reads the counters a file holds from its schema: the
// columns that are not tiles.parquet's own and hold int32 values or
// structs of them.
func tileFileLayout(file *arrow.Schema) (*arrow.Schema, []table.Column[TileStats], error) {
	fixed := map[string]bool{}
	for _, c := range tileColumns {
		fixed[c.Field.Name] = true
	}
	var cs []Counter
	for _, f := range file.Fields() {
		if fixed[f.Name] {
			continue
		}
		doc, _ := f.Metadata.GetValue(table.DescriptionKey)
		switch t := f.Type.(type) {
		case *arrow.Int32Type:
			cs = append(cs, Counter{Name: f.Name, Doc: doc})
		case *arrow.StructType:
			if !slices.ContainsFunc(t.Fields(), func(sf arrow.Field) bool { return sf.Type.ID() != arrow.INT32 }) {
				for _, sf := range t.Fields() {
					d, _ := sf.Metadata.GetValue(table.DescriptionKey)
					cs = append(cs, Counter{Name: f.Name + "." + sf.Name, Doc: d})
				}
			}
		}
	}
	cols, err := tileLayout(cs)
	if err != nil {
		return nil, nil, err
	}
	return table.NewSchema(cols), cols, nil
}
