package schema

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// descriptionKey is the Arrow field-metadata key holding a column's doc string.
const descriptionKey = "description"

// column is one column of a row type R: its Arrow field and how a row is
// appended to a builder of that field and filled from an array of it. The
// factories bind the builder or array once per batch, so the per-row closures
// do no type assertions.
type column[R any] struct {
	field  arrow.Field
	writer func(b array.Builder) func(r *R) error
	reader func(a arrow.Array) func(i int, r *R) error
}

// field builds a field with its description in the metadata.
func field(name string, t arrow.DataType, nullable bool, doc string) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable,
		Metadata: arrow.NewMetadata([]string{descriptionKey}, []string{doc})}
}

// newSchema builds the Arrow schema of a column table.
func newSchema[R any](cols []column[R]) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.field
	}
	return arrow.NewSchema(fields, nil)
}

func int32Col[R any](name, doc string, acc func(*R) *int32) column[R] {
	return column[R]{
		field: field(name, arrow.PrimitiveTypes.Int32, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Int32Builder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Int32)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

func int64Col[R any](name, doc string, acc func(*R) *int64) column[R] {
	return column[R]{
		field: field(name, arrow.PrimitiveTypes.Int64, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Int64Builder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Int64)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

func float64Col[R any](name, doc string, acc func(*R) *float64) column[R] {
	return column[R]{
		field: field(name, arrow.PrimitiveTypes.Float64, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Float64Builder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Float64)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

// optFloat32Col is a nullable float32: nil is written as null.
func optFloat32Col[R any](name, doc string, acc func(*R) **float32) column[R] {
	return column[R]{
		field: field(name, arrow.PrimitiveTypes.Float32, true, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Float32Builder)
			return func(r *R) error {
				if v := *acc(r); v != nil {
					bb.Append(*v)
				} else {
					bb.AppendNull()
				}
				return nil
			}
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Float32)
			return func(i int, r *R) error {
				if aa.IsNull(i) {
					*acc(r) = nil
					return nil
				}
				v := aa.Value(i)
				*acc(r) = &v
				return nil
			}
		},
	}
}

func stringCol[R any](name, doc string, acc func(*R) *string) column[R] {
	return column[R]{
		field: field(name, arrow.BinaryTypes.String, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.StringBuilder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.String)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

// optStringCol is a nullable string: "" is written as null and null reads
// back as "", for values a format says are absent rather than empty.
func optStringCol[R any](name, doc string, acc func(*R) *string) column[R] {
	return column[R]{
		field: field(name, arrow.BinaryTypes.String, true, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.StringBuilder)
			return func(r *R) error {
				if v := *acc(r); v != "" {
					bb.Append(v)
				} else {
					bb.AppendNull()
				}
				return nil
			}
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.String)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

// constStringCol writes the same value on every row: a column a format
// requires whose value the row type does not carry. Reading ignores it.
func constStringCol[R any](name, doc, value string) column[R] {
	return column[R]{
		field: field(name, arrow.BinaryTypes.String, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.StringBuilder)
			return func(*R) error { bb.Append(value); return nil }
		},
		reader: func(arrow.Array) func(int, *R) error { return func(int, *R) error { return nil } },
	}
}

// constStringListCol is constStringCol for list<string>.
func constStringListCol[R any](name, doc string, values []string) column[R] {
	return column[R]{
		field: field(name, arrow.ListOfNonNullable(arrow.BinaryTypes.String), false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.StringBuilder)
			return func(*R) error { bb.Append(true); vb.AppendValues(values, nil); return nil }
		},
		reader: func(arrow.Array) func(int, *R) error { return func(int, *R) error { return nil } },
	}
}

// dictStringCol is a string column stored as dictionary<int32, string>: few
// distinct values (subset names) repeated on every row.
func dictStringCol[R any](name, doc string, acc func(*R) *string) column[R] {
	t := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	return column[R]{
		field: field(name, t, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.BinaryDictionaryBuilder)
			return func(r *R) error { return bb.AppendString(*acc(r)) }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Dictionary)
			dict := aa.Dictionary().(*array.String)
			return func(i int, r *R) error { *acc(r) = dict.Value(aa.GetValueIndex(i)); return nil }
		},
	}
}

// timestampType is timestamp[us, UTC]: what GeoParquet readers and STAC's
// datetime expect, and exact for any datetime a workflow can state.
var timestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// timeCol stores a time truncated to the microsecond; it reads back in UTC.
func timeCol[R any](name, doc string, acc func(*R) *time.Time) column[R] {
	return column[R]{
		field: field(name, timestampType, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.TimestampBuilder)
			return func(r *R) error { bb.Append(arrow.Timestamp(acc(r).UnixMicro())); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Timestamp)
			return func(i int, r *R) error { *acc(r) = time.UnixMicro(int64(aa.Value(i))).UTC(); return nil }
		},
	}
}

// nullTimeCol is a nullable timestamp that is null on every row: a column
// a format requires that the row type has no value for.
func nullTimeCol[R any](name, doc string) column[R] {
	return column[R]{
		field: field(name, timestampType, true, doc),
		writer: func(b array.Builder) func(*R) error {
			return func(*R) error { b.AppendNull(); return nil }
		},
		reader: func(arrow.Array) func(int, *R) error { return func(int, *R) error { return nil } },
	}
}

func binaryCol[R any](name, doc string, acc func(*R) *[]byte) column[R] {
	return column[R]{
		field: field(name, arrow.BinaryTypes.Binary, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.BinaryBuilder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Binary)
			return func(i int, r *R) error { *acc(r) = slices.Clone(aa.Value(i)); return nil }
		},
	}
}

// int32ListCol is list<int32>; an empty list reads back as nil.
func int32ListCol[R any](name, doc string, acc func(*R) *[]int32) column[R] {
	return column[R]{
		field: field(name, arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int32), false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.Int32Builder)
			return func(r *R) error { bb.Append(true); vb.AppendValues(*acc(r), nil); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.List)
			vals := aa.ListValues().(*array.Int32).Int32Values()
			return func(i int, r *R) error {
				s, e := aa.ValueOffsets(i)
				*acc(r) = nilIfEmpty(slices.Clone(vals[s:e]))
				return nil
			}
		},
	}
}

// int64ListCol is list<int64>; an empty list reads back as nil.
func int64ListCol[R any](name, doc string, acc func(*R) *[]int64) column[R] {
	return column[R]{
		field: field(name, arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int64), false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.Int64Builder)
			return func(r *R) error { bb.Append(true); vb.AppendValues(*acc(r), nil); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.List)
			vals := aa.ListValues().(*array.Int64).Int64Values()
			return func(i int, r *R) error {
				s, e := aa.ValueOffsets(i)
				*acc(r) = nilIfEmpty(slices.Clone(vals[s:e]))
				return nil
			}
		},
	}
}

// stringListCol is list<string>; an empty list reads back as nil.
func stringListCol[R any](name, doc string, acc func(*R) *[]string) column[R] {
	return column[R]{
		field: field(name, arrow.ListOfNonNullable(arrow.BinaryTypes.String), false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.StringBuilder)
			return func(r *R) error { bb.Append(true); vb.AppendValues(*acc(r), nil); return nil }
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.List)
			vals := aa.ListValues().(*array.String)
			return func(i int, r *R) error {
				s, e := aa.ValueOffsets(i)
				var out []string
				for j := s; j < e; j++ {
					out = append(out, vals.Value(int(j)))
				}
				*acc(r) = out
				return nil
			}
		},
	}
}

// rgbCol is a nullable list<float32> of exactly three values (R, G, B); nil
// is written as null. Not fixed_size_list<float32>[3]: Parquet has no
// fixed-size list (both are stored as a LIST), and pqarrow cannot write a
// null fixed-size list between non-null ones — its null slot still owns
// three child values ("lists with non-zero length null components are not
// supported"), whereas a null variable list owns none.
func rgbCol[R any](name, doc string, acc func(*R) **[3]float32) column[R] {
	return column[R]{
		field: field(name, arrow.ListOfNonNullable(arrow.PrimitiveTypes.Float32), true, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.Float32Builder)
			return func(r *R) error {
				v := *acc(r)
				if v == nil {
					bb.AppendNull()
					return nil
				}
				bb.Append(true)
				vb.AppendValues(v[:], nil)
				return nil
			}
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.List)
			vals := aa.ListValues().(*array.Float32).Float32Values()
			return func(i int, r *R) error {
				if aa.IsNull(i) {
					*acc(r) = nil
					return nil
				}
				s, e := aa.ValueOffsets(i)
				if e-s != 3 {
					return fmt.Errorf("%s: %d values, want 3", name, e-s)
				}
				var v [3]float32
				copy(v[:], vals[s:e])
				*acc(r) = &v
				return nil
			}
		},
	}
}

// stringMapCol is map<string, string>, written with its keys sorted because
// Go map order is random; an empty map reads back as nil.
func stringMapCol[R any](name, doc string, acc func(*R) *map[string]string) column[R] {
	// Not KeysSorted: Parquet's MAP cannot say it, so the flag is lost on read.
	t := arrow.MapOfFields(
		arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.String})
	return column[R]{
		field: field(name, t, false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.MapBuilder)
			kb := bb.KeyBuilder().(*array.StringBuilder)
			ib := bb.ItemBuilder().(*array.StringBuilder)
			return func(r *R) error {
				m := *acc(r)
				bb.Append(true)
				for _, k := range slices.Sorted(maps.Keys(m)) {
					kb.Append(k)
					ib.Append(m[k])
				}
				return nil
			}
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Map)
			keys := aa.Keys().(*array.String)
			items := aa.Items().(*array.String)
			return func(i int, r *R) error {
				s, e := aa.ValueOffsets(i)
				var m map[string]string
				for j := int(s); j < int(e); j++ {
					if m == nil {
						m = make(map[string]string, e-s)
					}
					m[keys.Value(j)] = items.Value(j)
				}
				*acc(r) = m
				return nil
			}
		},
	}
}

// int32StructCol is a struct of int32 fields, each with its description;
// acc returns pointers to the Go fields in the order of names.
func int32StructCol[R any](name, doc string, names, docs []string, acc func(*R) []*int32) column[R] {
	return primitiveStructCol[R, int32, *array.Int32Builder, *array.Int32](
		name, doc, arrow.PrimitiveTypes.Int32, names, docs, acc)
}

// float64StructCol is a struct of float64 fields, like int32StructCol.
func float64StructCol[R any](name, doc string, names, docs []string, acc func(*R) []*float64) column[R] {
	return primitiveStructCol[R, float64, *array.Float64Builder, *array.Float64](
		name, doc, arrow.PrimitiveTypes.Float64, names, docs, acc)
}

// primitiveStructCol is a struct whose fields all have the primitive type t
// (Go type T, built by B, read from A).
func primitiveStructCol[R, T any, B interface {
	array.Builder
	Append(T)
}, A interface {
	arrow.Array
	Value(int) T
}](name, doc string, t arrow.DataType, names, docs []string, acc func(*R) []*T) column[R] {
	fields := make([]arrow.Field, len(names))
	for i := range names {
		fields[i] = field(names[i], t, false, docs[i])
	}
	return column[R]{
		field: field(name, arrow.StructOf(fields...), false, doc),
		writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.StructBuilder)
			fbs := make([]B, len(names))
			for i := range fbs {
				fbs[i] = bb.FieldBuilder(i).(B)
			}
			return func(r *R) error {
				bb.Append(true)
				for i, p := range acc(r) {
					fbs[i].Append(*p)
				}
				return nil
			}
		},
		reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Struct)
			fas := make([]A, len(names))
			for i := range fas {
				fas[i] = aa.Field(i).(A)
			}
			return func(i int, r *R) error {
				for j, p := range acc(r) {
					*p = fas[j].Value(i)
				}
				return nil
			}
		},
	}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// checkSchema reports the first column of want that got is missing or holds
// with another type, so a file from another tool or schema version gets a
// clear error instead of a panic. Extra columns are allowed.
func checkSchema(got, want *arrow.Schema) ([]int, error) {
	idx := make([]int, want.NumFields())
	for i, f := range want.Fields() {
		j := got.FieldIndices(f.Name)
		switch len(j) {
		case 0:
			return nil, fmt.Errorf("column %s missing", f.Name)
		case 1:
		default:
			return nil, fmt.Errorf("column %s appears %d times", f.Name, len(j))
		}
		g := got.Field(j[0])
		if !arrow.TypeEqual(g.Type, f.Type) {
			return nil, fmt.Errorf("column %s has type %s, want %s", f.Name, g.Type, f.Type)
		}
		// A null in a column our rows cannot hold would read as zero.
		if g.Nullable && !f.Nullable {
			return nil, fmt.Errorf("column %s is nullable, want required", f.Name)
		}
		idx[i] = j[0]
	}
	return idx, nil
}

// sortRows sorts rows into a new slice by compare and reports two rows that
// compare equal, since both files have a key column that must be unique.
func sortRows[R any](rows []R, compare func(a, b *R) int, name func(*R) string) ([]R, error) {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b R) int { return compare(&a, &b) })
	for i := 1; i < len(out); i++ {
		if compare(&out[i-1], &out[i]) == 0 {
			return nil, fmt.Errorf("two rows for %q", name(&out[i]))
		}
	}
	return out, nil
}
