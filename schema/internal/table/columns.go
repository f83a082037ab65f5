package table

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// DescriptionKey is the Arrow field-metadata key holding a column's doc string.
const DescriptionKey = "description"

// column is one column of a row type R: its Arrow field and how a row is
// appended to a builder of that field and filled from an array of it. The
// factories bind the builder or array once per batch, so the per-row closures
// do no type assertions.
type Column[R any] struct {
	Field  arrow.Field
	Writer func(b array.Builder) func(r *R) error
	Reader func(a arrow.Array) func(i int, r *R) error
}

// field builds a field with its description in the metadata.
func Field(name string, t arrow.DataType, nullable bool, doc string) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable,
		Metadata: arrow.NewMetadata([]string{DescriptionKey}, []string{doc})}
}

// NewSchema builds the Arrow schema of a column table.
func NewSchema[R any](cols []Column[R]) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.Field
	}
	return arrow.NewSchema(fields, nil)
}

func Int32[R any](name, doc string, acc func(*R) *int32) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.PrimitiveTypes.Int32, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Int32Builder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Int32)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

func Int64[R any](name, doc string, acc func(*R) *int64) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.PrimitiveTypes.Int64, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Int64Builder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Int64)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

func Float64[R any](name, doc string, acc func(*R) *float64) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.PrimitiveTypes.Float64, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.Float64Builder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Float64)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

// OptFloat32 is a nullable float32: nil is written as null.
func OptFloat32[R any](name, doc string, acc func(*R) **float32) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.PrimitiveTypes.Float32, true, doc),
		Writer: func(b array.Builder) func(*R) error {
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
		Reader: func(a arrow.Array) func(int, *R) error {
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

func String[R any](name, doc string, acc func(*R) *string) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.BinaryTypes.String, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.StringBuilder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.String)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

// OptString is a nullable string: "" is written as null and null reads
// back as "", for values a format says are absent rather than empty.
func OptString[R any](name, doc string, acc func(*R) *string) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.BinaryTypes.String, true, doc),
		Writer: func(b array.Builder) func(*R) error {
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
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.String)
			return func(i int, r *R) error { *acc(r) = aa.Value(i); return nil }
		},
	}
}

// ConstString writes the same value on every row: a column a format
// requires whose value the row type does not carry. Reading ignores it.
func ConstString[R any](name, doc, value string) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.BinaryTypes.String, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.StringBuilder)
			return func(*R) error { bb.Append(value); return nil }
		},
		Reader: func(arrow.Array) func(int, *R) error { return func(int, *R) error { return nil } },
	}
}

// ConstStringList is ConstString for list<string>.
func ConstStringList[R any](name, doc string, values []string) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.ListOfNonNullable(arrow.BinaryTypes.String), false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.StringBuilder)
			return func(*R) error { bb.Append(true); AppendStrings(vb, values); return nil }
		},
		Reader: func(arrow.Array) func(int, *R) error { return func(int, *R) error { return nil } },
	}
}

// DictString is a string column stored as dictionary<int32, string>: few
// distinct values (subset names) repeated on every row.
func DictString[R any](name, doc string, acc func(*R) *string) Column[R] {
	t := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	return Column[R]{
		Field: Field(name, t, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.BinaryDictionaryBuilder)
			return func(r *R) error { return bb.AppendString(*acc(r)) }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Dictionary)
			dict := aa.Dictionary().(*array.String)
			return func(i int, r *R) error { *acc(r) = dict.Value(aa.GetValueIndex(i)); return nil }
		},
	}
}

// TimestampType is timestamp[us, UTC]: what GeoParquet readers and STAC's
// datetime expect, and exact for any datetime a workflow can state.
var TimestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// Time stores a time truncated to the microsecond; it reads back in UTC.
func Time[R any](name, doc string, acc func(*R) *time.Time) Column[R] {
	return Column[R]{
		Field: Field(name, TimestampType, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.TimestampBuilder)
			return func(r *R) error { bb.Append(arrow.Timestamp(acc(r).UnixMicro())); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Timestamp)
			return func(i int, r *R) error { *acc(r) = time.UnixMicro(int64(aa.Value(i))).UTC(); return nil }
		},
	}
}

// NullTime is a nullable timestamp that is null on every row: a column
// a format requires that the row type has no value for.
func NullTime[R any](name, doc string) Column[R] {
	return Column[R]{
		Field: Field(name, TimestampType, true, doc),
		Writer: func(b array.Builder) func(*R) error {
			return func(*R) error { b.AppendNull(); return nil }
		},
		Reader: func(arrow.Array) func(int, *R) error { return func(int, *R) error { return nil } },
	}
}

func Binary[R any](name, doc string, acc func(*R) *[]byte) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.BinaryTypes.Binary, false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.BinaryBuilder)
			return func(r *R) error { bb.Append(*acc(r)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.Binary)
			return func(i int, r *R) error { *acc(r) = slices.Clone(aa.Value(i)); return nil }
		},
	}
}

// Int32List is list<int32>; an empty list reads back as nil.
func Int32List[R any](name, doc string, acc func(*R) *[]int32) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int32), false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.Int32Builder)
			return func(r *R) error { bb.Append(true); vb.AppendValues(*acc(r), nil); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.List)
			vals := aa.ListValues().(*array.Int32).Int32Values()
			return func(i int, r *R) error {
				s, e := aa.ValueOffsets(i)
				*acc(r) = NilIfEmpty(slices.Clone(vals[s:e]))
				return nil
			}
		},
	}
}

// Int64List is list<int64>; an empty list reads back as nil.
func Int64List[R any](name, doc string, acc func(*R) *[]int64) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int64), false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.Int64Builder)
			return func(r *R) error { bb.Append(true); vb.AppendValues(*acc(r), nil); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
			aa := a.(*array.List)
			vals := aa.ListValues().(*array.Int64).Int64Values()
			return func(i int, r *R) error {
				s, e := aa.ValueOffsets(i)
				*acc(r) = NilIfEmpty(slices.Clone(vals[s:e]))
				return nil
			}
		},
	}
}

// StringList is list<string>; an empty list reads back as nil.
func StringList[R any](name, doc string, acc func(*R) *[]string) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.ListOfNonNullable(arrow.BinaryTypes.String), false, doc),
		Writer: func(b array.Builder) func(*R) error {
			bb := b.(*array.ListBuilder)
			vb := bb.ValueBuilder().(*array.StringBuilder)
			return func(r *R) error { bb.Append(true); AppendStrings(vb, *acc(r)); return nil }
		},
		Reader: func(a arrow.Array) func(int, *R) error {
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

// RGB is a nullable list<float32> of exactly three values (R, G, B); nil
// is written as null. Not fixed_size_list<float32>[3]: Parquet has no
// fixed-size list (both are stored as a LIST), and pqarrow cannot write a
// null fixed-size list between non-null ones — its null slot still owns
// three child values ("lists with non-zero length null components are not
// supported"), whereas a null variable list owns none.
func RGB[R any](name, doc string, acc func(*R) **[3]float32) Column[R] {
	return Column[R]{
		Field: Field(name, arrow.ListOfNonNullable(arrow.PrimitiveTypes.Float32), true, doc),
		Writer: func(b array.Builder) func(*R) error {
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
		Reader: func(a arrow.Array) func(int, *R) error {
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

// StringMap is map<string, string>, written with its keys sorted because
// Go map order is random; an empty map reads back as nil.
func StringMap[R any](name, doc string, acc func(*R) *map[string]string) Column[R] {
	// Not KeysSorted: Parquet's MAP cannot say it, so the flag is lost on read.
	t := arrow.MapOfFields(
		arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.String})
	return Column[R]{
		Field: Field(name, t, false, doc),
		Writer: func(b array.Builder) func(*R) error {
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
		Reader: func(a arrow.Array) func(int, *R) error {
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

// Int32Struct is a struct of int32 fields, each with its description;
// acc returns pointers to the Go fields in the order of names.
func Int32Struct[R any](name, doc string, names, docs []string, acc func(*R) []*int32) Column[R] {
	return primitiveStructCol[R, int32, *array.Int32Builder, *array.Int32](
		name, doc, arrow.PrimitiveTypes.Int32, names, docs, acc)
}

// Float64Struct is a struct of float64 fields, like Int32Struct.
func Float64Struct[R any](name, doc string, names, docs []string, acc func(*R) []*float64) Column[R] {
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
}](name, doc string, t arrow.DataType, names, docs []string, acc func(*R) []*T) Column[R] {
	fields := make([]arrow.Field, len(names))
	for i := range names {
		fields[i] = Field(names[i], t, false, docs[i])
	}
	return Column[R]{
		Field: Field(name, arrow.StructOf(fields...), false, doc),
		Writer: func(b array.Builder) func(*R) error {
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
		Reader: func(a arrow.Array) func(int, *R) error {
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

func NilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// CheckSchema reports the first column of want that got is missing or holds
// with another type, so a file from another tool or schema version gets a
// clear error instead of a panic. Extra columns are allowed.
func CheckSchema(got, want *arrow.Schema) ([]int, error) {
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

// SortRows returns rows sorted by compare (rows itself when they already
// are: at a million rows a copy is most of a release's heap, and callers
// usually pass them in order; else a sorted copy) and reports two rows
// that compare equal, since both files have a key column that must be
// unique.
func SortRows[R any](rows []R, compare func(a, b *R) int, name func(*R) string) ([]R, error) {
	out := rows
	for i := 1; i < len(rows); i++ {
		// By index: a row is hundreds of bytes, not worth a copy per test.
		if compare(&rows[i-1], &rows[i]) > 0 {
			out = slices.Clone(rows)
			slices.SortStableFunc(out, func(a, b R) int { return compare(&a, &b) })
			break
		}
	}
	for i := 1; i < len(out); i++ {
		if compare(&out[i-1], &out[i]) == 0 {
			return nil, fmt.Errorf("two rows for %q", name(&out[i]))
		}
	}
	return out, nil
}

// AppendStrings appends values one by one: StringBuilder.AppendValues
// reserves exactly the bytes it needs on every call, so a column of one
// short list per row is copied whole at each row (quadratic: minutes at a
// million rows), where Append grows the buffer geometrically.
func AppendStrings(b *array.StringBuilder, values []string) {
	for _, v := range values {
		b.Append(v)
	}
}
