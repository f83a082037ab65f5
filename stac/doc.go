// Package stac turns a cdflow release into STAC objects and validates STAC
// catalogs against the official JSON schemas, offline when given a schema
// folder.
//
// The objects are github.com/planetlabs/go-stac types. The extensions go-stac
// lacks (projection, file, label, ml-aoi, version, processing, table, and a
// raster that writes the schema's field names) live in
// stac/extensions/<name>/v<major>, built the way go-stac builds its own.
//
// The builders (NewTileItem, NewReleaseCollection, NewSplitCollection,
// NewRootCatalog) take plain Go values, already reprojected to WGS84 where
// STAC wants it, and every href relative, so a catalog folder can be copied
// anywhere. Marshal writes them as normalized JSON, byte-identical for the
// same input. Where files go on disk is package catalog's business.
package stac
