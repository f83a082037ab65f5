// Package pointcloud reads LAS, LAZ and COPC point clouds, and writes LAS
// and LAZ, in pure Go (standard library only), shaped for per-tile
// rasterizing.
//
// # Supported
//
//   - LAS 1.0–1.4: public header (1.4's 64-bit counts, EVLR offset),
//     VLRs and EVLRs, point data record formats 0–10, extra bytes (a
//     record length above the format's standard size).
//   - Typed points (Records.Point): scaled X/Y/Z, intensity, return
//     number and count, classification and its flags (1.4 overlap too),
//     scanner channel, scan direction, edge of flight line, scan angle in
//     degrees, user data, point source ID, GPS time, RGB, NIR, extra
//     bytes. Raw record bytes are available too (Records.Raw).
//   - CRS (File.CRS): the OGC WKT of LASF_Projection record 2112, else the
//     EPSG codes of the GeoTIFF keys (record 34735): ProjectedCSTypeGeoKey
//     or GeographicTypeGeoKey, plus VerticalCSTypeGeoKey. A file without
//     any gives an error matching ErrNoCRS.
//   - LAZ (LASzip): compressors 1 (point-wise), 2 (point-wise chunked) and
//     3 (layered chunked, "LAS 1.4 native"), fixed and variable chunk
//     sizes, the chunk table. Items POINT10, GPSTIME11, RGB12 and BYTE in
//     version 2 (formats 0–3 and extra bytes); POINT14, RGB14, RGBNIR14 and
//     BYTE14 in versions 3 and 4 (formats 6–8 and extra bytes). Decoded
//     records are byte-identical to the uncompressed LAS records.
//   - COPC: the info VLR, hierarchy pages read lazily, and queries
//     (File.COPCNodes) returning the octree nodes whose cube meets a 2D
//     box, optionally limited by depth or resolution.
//
// # Not supported
//
// Wave packet items (formats 4, 5, 9, 10 in LAZ: ErrUnsupported; their
// records are read from plain LAS), LASzip item version 1 (LAZ from
// LASzip before 2.0), non-arithmetic coders, LAZ files whose chunk table
// was never written.
//
// # Writing
//
// Create (through a temporary file renamed into place by Close) and
// NewWriter (any io.WriteSeeker) write point formats 0–3 as LAS 1.2 and
// 6–8 as LAS 1.4, uncompressed or as LAZ (LASzip chunks of 50 000
// points: point-wise items v2 for 0–3, layered items v3 for 6–8), with
// the CRS as an OGC WKT record. Close fills in the counts, counts by
// return and bounds. Output is byte-deterministic: the same options and
// points give the same bytes, and for autzen_trim the LAZ point data
// equals LASzip's own. Wave packet formats and extra bytes are not
// written.
//
// # Use
//
// Open validates the header, VLRs, EVLRs and (for LAZ) the chunk table
// without decoding points. Points come in chunks: LAZ chunks, or fixed
// ranges of 65 536 records of a plain LAS file. A chunk is decoded
// independently of the others (ReadChunk), so a caller can decode several
// on several goroutines (ForEachChunk), learn each chunk's bounds once
// (BuildIndex, Chunk) and afterwards decode only the chunks meeting a
// tile's window (ChunksIntersecting, ReadBox). COPC files answer window
// queries from their octree hierarchy instead.
//
//	f, err := pointcloud.Open(path)
//	if err != nil { ... }
//	defer f.Close()
//	crs, err := f.CRS() // errors.Is(err, pointcloud.ErrNoCRS): ask for a crs
//	pts, err := f.ReadBox(ctx, pointcloud.Box{MinX: x0, MinY: y0, MaxX: x1, MaxY: y1},
//		func(p *pointcloud.Point) bool { return p.Classification != 7 })
//
// # Errors and hostile input
//
// Every error is an *Error naming the file and, when decoding a chunk, the
// chunk index; it wraps one of ErrNotLAS, ErrTruncated, ErrUnsupported,
// ErrCountMismatch, ErrCorrupt or ErrNoCRS (or, when writing a point
// whose values its format cannot hold, ErrOutOfRange). No input makes the package
// panic, and memory follows the data actually present: counts claimed by
// a header or chunk table are checked against the file's size before
// anything is allocated for them, and decoded records grow in blocks.
package pointcloud
