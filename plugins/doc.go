// Package plugins is the registry of cdflow's steps and publishers.
//
// A step kind registers itself by name from its package's init function,
// the way database/sql drivers and Caddy modules do:
//
//	func init() { plugins.Register("threshold", func() plugins.Step { return newStep() }) }
//
// and the binary chooses which steps it carries by blank-importing them
// (plugins/standard holds the built-in set).
//
// A step declares everything the workflow layer needs to check it before any
// pixel is read: its configuration schema (a struct with hcl tags, returned by
// Config with its defaults filled in), its inputs (attributes that reference
// other blocks' products, each accepting some raster kinds), the products it
// writes (kind, resolution, data type) given its inputs, and the problems of
// its decoded configuration. A step never sees HCL itself: it receives decoded
// values and answers with Problems naming attributes, which the workflow layer
// turns into diagnostics pointing at the source. That keeps the seam open for
// steps implemented out of process later.
//
// This package never imports the workflow layer.
package plugins
