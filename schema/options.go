package schema

import "github.com/cdflow/cdflow/schema/internal/table"

// Option changes how a table is written.
type Option func(*options)

type options struct {
	codec    string
	counters []Counter
}

func newOptions(opts []Option) options {
	o := options{codec: "zstd"}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Compressions are the Parquet codecs a table can be written with: every
// reader of Parquet (DuckDB, pyarrow, Spark) reads each. "none" stores the
// pages as they are.
var Compressions = table.Codecs

// WithCompression chooses the codec of the column chunks (default zstd).
func WithCompression(name string) Option { return func(o *options) { o.codec = name } }

// WithCounters adds the steps' per-tile counters to tiles.parquet as columns.
func WithCounters(cs []Counter) Option {
	return func(o *options) { o.counters = cs }
}
