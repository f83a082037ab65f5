// Package schema holds the Arrow schemas of the Parquet files a cdflow
// release publishes — tiles.parquet (one row per tile, GeoParquet 1.1),
// splits.parquet (one row per train/test/val subset) and items.parquet (the
// STAC items in the stac-geoparquet layout) — and writes and reads them with
// arrow-go's pqarrow.
//
// The column names, types and descriptions are an interface: analysts query
// them with DuckDB, pandas or GDAL. Each schema is built by one constructor
// (TileSchema, SplitSchema, ItemsSchema) from a table of columns that also
// says how a Go row is written and read, so the three cannot drift apart;
// every field carries its description in its Arrow field metadata under
// "description", and ColumnsMarkdown renders them for the README.
//
// # ΔH histogram
//
// dh_histogram has HistogramBins (80) fixed bins of 1 m from HistogramMin
// (−40 m) to +40 m: bin i counts the changed pixels with
// −40+i ≤ ΔH < −39+i. Values below −40 m fall into bin 0 and values of
// +40 m or more into bin 79, so no changed pixel is lost. HistogramBin
// computes the bin of a value.
//
// Files are written deterministically (rows sorted, map keys sorted, no
// wall-clock time) and atomically (temp file in the same directory, then
// rename), so the same rows give byte-identical files.
package schema
