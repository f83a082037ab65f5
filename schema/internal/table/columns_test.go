package table

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCheckSchema(t *testing.T) {
	want := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int32},
		{Name: "b", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	}, nil)
	i32 := arrow.PrimitiveTypes.Int32
	f32t := arrow.PrimitiveTypes.Float32
	tests := []struct {
		name    string
		got     []arrow.Field
		wantIdx []int
		wantErr string
	}{
		{"same", []arrow.Field{{Name: "a", Type: i32}, {Name: "b", Type: f32t, Nullable: true}}, []int{0, 1}, ""},
		{"reordered, extra column, required where nullable is allowed",
			[]arrow.Field{{Name: "x", Type: i32}, {Name: "b", Type: f32t}, {Name: "a", Type: i32}}, []int{2, 1}, ""},
		{"missing", []arrow.Field{{Name: "a", Type: i32}}, nil, "column b missing"},
		{"twice", []arrow.Field{{Name: "a", Type: i32}, {Name: "a", Type: i32}, {Name: "b", Type: f32t}}, nil, "column a appears 2 times"},
		{"other type", []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: f32t}}, nil, "column a has type int64, want int32"},
		{"nullable", []arrow.Field{{Name: "a", Type: i32, Nullable: true}, {Name: "b", Type: f32t}}, nil, "column a is nullable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, err := CheckSchema(arrow.NewSchema(tt.got, nil), want)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(idx) != len(tt.wantIdx) || idx[0] != tt.wantIdx[0] || idx[1] != tt.wantIdx[1] {
				t.Errorf("indices %v, want %v", idx, tt.wantIdx)
			}
		})
	}
}
