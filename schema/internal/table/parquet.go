package table

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cdflow/cdflow/internal/atomicfile"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// KeyValue is one entry of a Parquet file's key-value metadata.
type KeyValue struct{ Key, Value string }

// batchBuilder builds record batches of rows.
type batchBuilder[R any] struct {
	rb      *array.RecordBuilder
	cols    []Column[R]
	writers []func(*R) error
}

func newBatchBuilder[R any](mem memory.Allocator, sch *arrow.Schema, cols []Column[R]) *batchBuilder[R] {
	rb := array.NewRecordBuilder(mem, sch)
	writers := make([]func(*R) error, len(cols))
	for i, c := range cols {
		writers[i] = c.Writer(rb.Field(i))
	}
	return &batchBuilder[R]{rb: rb, cols: cols, writers: writers}
}

// batch builds one record batch of rows, in the order given.
func (b *batchBuilder[R]) batch(ctx context.Context, rows []R) (arrow.RecordBatch, error) {
	b.rb.Reserve(len(rows))
	for i := range rows {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for j, w := range b.writers {
			if err := w(&rows[i]); err != nil {
				return nil, fmt.Errorf("column %s: %w", b.cols[j].Field.Name, err)
			}
		}
	}
	return b.rb.NewRecordBatch(), nil
}

func (b *batchBuilder[R]) release() { b.rb.Release() }

// writerProperties are the Parquet settings of every file we publish: zstd
// at its default level, column statistics so readers can skip row groups,
// and nothing that varies between runs (created_by names the library
// version, which a build pins).
//
// Pages are PLAIN, never dictionary-encoded. A column chunk whose pages
// have two encodings (a dictionary that fell back to plain values after
// some of its pages were written: for its size, or because an Arrow
// dictionary such as split's gained a value in a later batch) gets them
// listed in the footer in the library's map order, so the same release
// would not be the same bytes twice. Most of our strings are unique per
// row (IDs, paths, checksums, outlines), where a dictionary only costs: a
// hash table per open row group (about 60 MB at 10^5 tiles) and larger
// files than zstd alone makes of the repeated ones.
func writerProperties(mem memory.Allocator, codec compress.Compression) (*parquet.WriterProperties, pqarrow.ArrowWriterProperties) {
	props := parquet.NewWriterProperties(
		parquet.WithAllocator(mem),
		parquet.WithCompression(codec),
		parquet.WithStats(true),
		parquet.WithDictionaryDefault(false),
	)
	// The stored Arrow schema keeps what Parquet alone would lose: the
	// dictionary type of split, the timestamp zone and the field descriptions.
	arrProps := pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem), pqarrow.WithStoreSchema())
	return props, arrProps
}

// RowGroupRows is how many rows a row group holds at most. A release of a
// million tiles is then a few dozen groups: a reader filtering on the bbox
// or id statistics skips most of them, and writing holds one group's
// Arrow arrays, not the whole table's. Tables of fewer rows are one group.
var RowGroupRows = 1 << 16

// Write writes rows (already in their file order) to path through a
// temp file in the same directory, renamed into place once complete, so a
// reader never sees half a file and a failed write leaves none.
func Write[R any](ctx context.Context, path string, mem memory.Allocator, sch *arrow.Schema, cols []Column[R], rows []R, kv []KeyValue, codecName string) error {
	w, err := NewWriter(path, mem, sch, cols, codecName)
	if err != nil {
		return err
	}
	defer w.Abort()
	if err := w.Write(ctx, rows...); err != nil {
		return err
	}
	return w.Close(ctx, kv)
}

// Writer writes a file a row group at a time, for tables too large to
// hold whole. It keeps at most batchRows rows as Go values: they are
// encoded into the open row group as soon as a batch is complete, and
// the group's compressed pages are what stays in memory until it is
// full. Batches start at fixed rows (every batchRows from the start of
// each group), so the file is the same whatever rows each Write call
// brings, and appears only on Close.
type Writer[R any] struct {
	path    string
	tmp     *atomicfile.File
	buf     *bufio.Writer
	fw      *pqarrow.FileWriter
	pending []R
	batches *batchBuilder[R] // nil once closed or aborted
	inGroup int              // rows in the open row group
	rows    int              // rows written
	err     error
}

// batchRows is how many rows are encoded at once: a multiple of the
// Parquet writer's batch of 1024 values.
const batchRows = 4096

// NewWriter starts writing path.
func NewWriter[R any](path string, mem memory.Allocator, sch *arrow.Schema, cols []Column[R], codecName string) (*Writer[R], error) {
	c, err := Codec(codecName)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriter(tmp)
	props, arrProps := writerProperties(mem, c)
	// struct{io.Writer} hides tmp's Close: FileWriter.Close would close it
	// before we flush and sync.
	fw, err := pqarrow.NewFileWriter(sch, struct{ io.Writer }{buf}, props, arrProps)
	if err != nil {
		tmp.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &Writer[R]{path: path, tmp: tmp, buf: buf, fw: fw, batches: newBatchBuilder(mem, sch, cols)}, nil
}

// Write adds rows after those written before.
func (w *Writer[R]) Write(ctx context.Context, rows ...R) error {
	if w.err != nil {
		return w.err
	}
	for len(rows) > 0 {
		n := min(w.batch()-len(w.pending), len(rows))
		w.pending = append(w.pending, rows[:n]...)
		rows = rows[n:]
		if len(w.pending) == w.batch() {
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// batch is the size of the batch being gathered: batchRows, or what the
// open row group still takes.
func (w *Writer[R]) batch() int {
	return min(batchRows, RowGroupRows-w.inGroup)
}

// flush encodes the pending rows into the open row group (a new one
// when none is open) and closes the group once it is full.
func (w *Writer[R]) flush(ctx context.Context) error {
	if w.inGroup == 0 {
		if err := w.fw.NewBufferedRowGroupChecked(); err != nil {
			return w.fail(fmt.Errorf("write %s: %w", w.path, err))
		}
	}
	rec, err := w.batches.batch(ctx, w.pending)
	if err != nil {
		return w.fail(fmt.Errorf("write %s: %w", w.path, err))
	}
	defer rec.Release()
	if err := w.fw.WriteBuffered(rec); err != nil {
		return w.fail(fmt.Errorf("write %s: %w", w.path, err))
	}
	w.rows += len(w.pending)
	w.inGroup += len(w.pending)
	if w.inGroup == RowGroupRows {
		w.inGroup = 0
	}
	clear(w.pending) // what the rows point to may go
	w.pending = w.pending[:0]
	return nil
}

// Close writes the last row group and the key-value metadata, and puts
// the file in place.
func (w *Writer[R]) Close(ctx context.Context, kv []KeyValue) error {
	if w.err != nil {
		return w.err
	}
	// An empty table is one empty group, as Parquet readers expect.
	if len(w.pending) > 0 || w.rows == 0 {
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
	for _, e := range kv {
		if err := w.fw.AppendKeyValueMetadata(e.Key, e.Value); err != nil {
			return w.fail(fmt.Errorf("write %s: metadata %s: %w", w.path, e.Key, err))
		}
	}
	if err := ctx.Err(); err != nil {
		return w.fail(fmt.Errorf("write %s: %w", w.path, err))
	}
	w.dropBatches()
	w.err = fmt.Errorf("write %s: already closed", w.path)
	fw := w.fw
	w.fw = nil
	if err := fw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	return w.tmp.Commit()
}

// dropBatches lets the batch builder go.
func (w *Writer[R]) dropBatches() {
	if w.batches != nil {
		w.batches.release()
		w.batches = nil
	}
}

func (w *Writer[R]) fail(err error) error {
	w.err = err
	return err
}

// Abort drops the file unless Close put it in place; a no-op after Close.
func (w *Writer[R]) Abort() {
	w.dropBatches()
	if w.fw != nil {
		w.fw.Close()
		w.fw = nil
	}
	w.tmp.Abort()
}

// Read reads every row of a file whose schema holds the columns of
// cols, and returns its key-value metadata with them.
func Read[R any](ctx context.Context, path string, mem memory.Allocator, sch *arrow.Schema, cols []Column[R]) (rows []R, kv map[string]string, err error) {
	return ReadLayout(ctx, path, mem, func(*arrow.Schema) (*arrow.Schema, []Column[R], error) {
		return sch, cols, nil
	})
}

// Layout returns the schema and columns to read a file with, given
// the Arrow schema the file holds: for schemas that vary between files.
type Layout[R any] func(file *arrow.Schema) (*arrow.Schema, []Column[R], error)

// ReadLayout is Read for a schema that layout derives from
// the file's own.
func ReadLayout[R any](ctx context.Context, path string, mem memory.Allocator, layout Layout[R]) (rows []R, kv map[string]string, err error) {
	rdr, err := file.OpenParquetFile(path, false, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer func() {
		if cerr := rdr.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("read %s: %w", path, cerr)
		}
	}()
	kv = map[string]string{}
	md := rdr.MetaData().KeyValueMetadata()
	for i, k := range md.Keys() {
		kv[k] = md.Values()[i]
	}

	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 4096}, mem)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer rr.Release()
	sch, cols, err := layout(rr.Schema())
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: not a file of this schema: %w", path, err)
	}
	idx, err := CheckSchema(rr.Schema(), sch)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: not a file of this schema: %w", path, err)
	}
	rows = make([]R, 0, rdr.NumRows())
	for rr.Next() {
		rec := rr.RecordBatch()
		readers := make([]func(int, *R) error, len(cols))
		for i, c := range cols {
			readers[i] = c.Reader(rec.Column(idx[i]))
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			var r R
			for _, read := range readers {
				if err := read(i, &r); err != nil {
					return nil, nil, fmt.Errorf("read %s: row %d: %w", path, len(rows), err)
				}
			}
			rows = append(rows, r)
		}
	}
	if err := rr.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, kv, nil
}

// Codecs are the Parquet codecs a table can be written with: every reader
// of Parquet (DuckDB, pyarrow, Spark) reads each. "none" stores the pages
// as they are.
var Codecs = []string{"zstd", "snappy", "gzip", "none"}

// Codec returns the codec of a name in Codecs.
func Codec(name string) (compress.Compression, error) {
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
	return 0, fmt.Errorf("unknown Parquet compression %q; use one of %s", name, strings.Join(Codecs, ", "))
}
