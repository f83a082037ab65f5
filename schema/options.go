package schema

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/compress"
)

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
var Compressions = []string{"zstd", "snappy", "gzip", "none"}

// WithCompression chooses the codec of the column chunks (default zstd).
func WithCompression(name string) Option { return func(o *options) { o.codec = name } }

// WithCounters adds the steps' per-tile counters to tiles.parquet as columns.
func WithCounters(cs []Counter) Option {
	return func(o *options) { o.counters = cs }
}

func codec(name string) (compress.Compression, error) {
	switch name {
	case "zstd":
		return compress.Codecs.Zstd, nil
	case "snappy":
		return compress.Codecs.Snappy, nil
	case "gzip":
		return compress.Codecs.Gzip, nil
	case "none":
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("unknown Parquet compression %q; use one of %s", name, strings.Join(Compressions, ", "))
}
