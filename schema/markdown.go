package schema

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/cdflow/cdflow/schema/internal/table"
)

// ColumnsMarkdown renders a schema's columns as a Markdown table (column,
// type, description) for the README; struct members get their own rows,
// named parent.member.
func ColumnsMarkdown(s *arrow.Schema) string {
	var b strings.Builder
	b.WriteString("| column | type | description |\n|---|---|---|\n")
	for _, f := range s.Fields() {
		writeColumnRow(&b, "", f)
	}
	return b.String()
}

func writeColumnRow(b *strings.Builder, prefix string, f arrow.Field) {
	typ := "`" + typeName(f.Type) + "`"
	if f.Nullable {
		typ += ", nullable"
	}
	doc := ""
	if i := f.Metadata.FindKey(table.DescriptionKey); i >= 0 {
		doc = f.Metadata.Values()[i]
	}
	fmt.Fprintf(b, "| `%s%s` | %s | %s |\n", prefix, f.Name, typ, escapeCell(doc))
	if st, ok := f.Type.(*arrow.StructType); ok {
		for _, c := range st.Fields() {
			writeColumnRow(b, prefix+f.Name+".", c)
		}
	}
}

// typeName spells a type the way the issue and analysts do (string, not
// utf8; list<int32>, not list<item: int32, nullable>).
func typeName(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.StringType:
		return "string"
	case *arrow.DictionaryType:
		return "dictionary<" + typeName(t.IndexType) + ", " + typeName(t.ValueType) + ">"
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "timestamp[" + t.Unit.String() + "]"
		}
		return "timestamp[" + t.Unit.String() + ", " + t.TimeZone + "]"
	case *arrow.MapType:
		return "map<" + typeName(t.KeyType()) + ", " + typeName(t.ItemType()) + ">"
	case *arrow.ListType:
		return "list<" + typeName(t.Elem()) + ">"
	case *arrow.FixedSizeListType:
		return fmt.Sprintf("fixed_size_list<%s>[%d]", typeName(t.Elem()), t.Len())
	case *arrow.StructType:
		parts := make([]string, len(t.Fields()))
		for i, f := range t.Fields() {
			// A struct member that is a struct has its own row, type spelled
			// out; repeating it here would make the table unreadable.
			if _, ok := f.Type.(*arrow.StructType); ok {
				parts[i] = f.Name + " struct<…>"
				continue
			}
			parts[i] = f.Name + " " + typeName(f.Type)
		}
		return "struct<" + strings.Join(parts, ", ") + ">"
	}
	return t.Name()
}

func escapeCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
