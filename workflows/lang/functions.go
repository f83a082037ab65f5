// Package lang holds the functions of cdflow's workflow language: go-cty's
// standard library (upper, lower, format, min, max, abs, concat, ...) under
// the names Terraform users know, plus glob(pattern) and file(path), which
// resolve relative paths against the workflow's directory.
package lang

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// MaxFileSize caps what file() reads: workflows inline small texts, and a
// path to a device or a huge file must not hang or exhaust the process.
const MaxFileSize = 16 << 20

// Functions returns the functions of the workflow language: go-cty's
// standard library plus glob and file, which resolve relative paths
// against dir and reach only into dir's tree and the allowed folders: a
// workflow from elsewhere must not read files of the machine into a
// published catalog.
func Functions(dir string, allow ...string) map[string]function.Function {
	roots := append([]string{dir}, allow...)
	return map[string]function.Function{
		"abs":        stdlib.AbsoluteFunc,
		"ceil":       stdlib.CeilFunc,
		"chomp":      stdlib.ChompFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"compact":    stdlib.CompactFunc,
		"concat":     stdlib.ConcatFunc,
		"contains":   stdlib.ContainsFunc,
		"distinct":   stdlib.DistinctFunc,
		"element":    stdlib.ElementFunc,
		"flatten":    stdlib.FlattenFunc,
		"floor":      stdlib.FloorFunc,
		"format":     stdlib.FormatFunc,
		"formatdate": stdlib.FormatDateFunc,
		"formatlist": stdlib.FormatListFunc,
		"indent":     stdlib.IndentFunc,
		"join":       stdlib.JoinFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"keys":       stdlib.KeysFunc,
		"length":     stdlib.LengthFunc,
		"log":        stdlib.LogFunc,
		"lookup":     stdlib.LookupFunc,
		"lower":      stdlib.LowerFunc,
		"max":        stdlib.MaxFunc,
		"merge":      stdlib.MergeFunc,
		"min":        stdlib.MinFunc,
		"parseint":   stdlib.ParseIntFunc,
		"pow":        stdlib.PowFunc,
		"range":      stdlib.RangeFunc,
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"replace":    stdlib.ReplaceFunc,
		"reverse":    stdlib.ReverseListFunc,
		"setunion":   stdlib.SetUnionFunc,
		"signum":     stdlib.SignumFunc,
		"slice":      stdlib.SliceFunc,
		"sort":       stdlib.SortFunc,
		"split":      stdlib.SplitFunc,
		"strrev":     stdlib.ReverseFunc,
		"substr":     stdlib.SubstrFunc,
		"timeadd":    stdlib.TimeAddFunc,
		"title":      stdlib.TitleFunc,
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"upper":      stdlib.UpperFunc,
		"values":     stdlib.ValuesFunc,
		"zipmap":     stdlib.ZipmapFunc,
		"glob":       globFunc(dir, roots),
		"file":       fileFunc(dir, roots),
	}
}

// globFunc returns glob(pattern): the sorted paths matching a pattern,
// relative to the workflow when the pattern is.
func globFunc(dir string, roots []string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the sorted list of paths matching a pattern (path/filepath.Match syntax), relative to the workflow's directory.",
		Params:      []function.Parameter{{Name: "pattern", Type: cty.String}},
		Type:        function.StaticReturnType(cty.List(cty.String)),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			pattern := args[0].AsString()
			full := pattern
			if !filepath.IsAbs(pattern) {
				full = filepath.Join(dir, pattern)
			}
			matches, err := filepath.Glob(full)
			if err != nil {
				return cty.NilVal, fmt.Errorf("bad pattern %q: %w", pattern, err)
			}
			slices.Sort(matches)
			vals := make([]cty.Value, 0, len(matches))
			for _, m := range matches {
				if err := within(m, roots); err != nil {
					return cty.NilVal, err
				}
				if !filepath.IsAbs(pattern) {
					if rel, err := filepath.Rel(dir, m); err == nil {
						m = rel
					}
				}
				vals = append(vals, cty.StringVal(filepath.ToSlash(m)))
			}
			if len(vals) == 0 {
				return cty.ListValEmpty(cty.String), nil
			}
			return cty.ListVal(vals), nil
		},
	})
}

// fileFunc returns file(path): the contents of a UTF-8 text file.
func fileFunc(dir string, roots []string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a UTF-8 text file, relative to the workflow's directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path := args[0].AsString()
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			if err := within(path, roots); err != nil {
				return cty.NilVal, err
			}
			st, err := os.Stat(path)
			if err != nil {
				return cty.NilVal, fmt.Errorf("read %s: %w", path, err)
			}
			if !st.Mode().IsRegular() {
				return cty.NilVal, fmt.Errorf("read %s: not a regular file", path)
			}
			f, err := os.Open(path)
			if err != nil {
				return cty.NilVal, fmt.Errorf("read %s: %w", path, err)
			}
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
			if err != nil {
				return cty.NilVal, fmt.Errorf("read %s: %w", path, err)
			}
			if len(b) > MaxFileSize {
				return cty.NilVal, fmt.Errorf("read %s: larger than %d MiB", path, MaxFileSize>>20)
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("read %s: not UTF-8 text", path)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// within refuses a path outside every root (symbolic links followed).
func within(path string, roots []string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	real, _ = filepath.Abs(real)
	for _, r := range roots {
		rr, err := filepath.EvalSymlinks(r)
		if err != nil {
			rr = r
		}
		rr, _ = filepath.Abs(rr)
		if rel, err := filepath.Rel(rr, real); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return nil
		}
	}
	return fmt.Errorf("%s is outside the workflow's folder %s; allow its folder with -allow-path", path, roots[0])
}
