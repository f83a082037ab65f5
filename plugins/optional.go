package plugins

import "github.com/cdflow/cdflow/schema"

// The optional interfaces below let a step add to the release what is its
// own; the executor finds them by type assertion and needs to know no step.

// Labeler is a step whose products are labels with classes, such as a
// change mask: the release's label extension lists them.
type Labeler interface {
	Classes() []Class
}

// Class is one value of a class label.
type Class struct {
	Value float64
	Name  string
}

// AssetDescriber is a step that describes its products in a catalog
// itself; without it a product is described by its kind (DescribeProduct).
type AssetDescriber interface {
	// DescribeProduct returns the title and the STAC roles of one of the
	// step's products.
	DescribeProduct(p Product) (title string, roles []string)
}

// Counting is a step that counts things per tile with Tile.Count, such as
// the pixels each noise filter removed. Every counter becomes a column of
// tiles.parquet; the executor refuses a count no step declared.
type Counting interface {
	Counters() []Counter
}

// Counter is a per-tile count: a column of tiles.parquet. Its Name
// "group.field" is a field of the struct column group (e.g.
// "dropped_pixels.min_area"; the fields of a group come in the order the
// steps declare them), a name without a dot a column of its own.
type Counter = schema.Counter

// DroppedPixels is the group of the counters that say how many changed
// pixels each noise filter set back to no change: a pixel is counted under
// the first filter that drops it.
const DroppedPixels = "dropped_pixels"

// Namer is a step that names the products it writes beside its main one
// after its block ("<name>_building"): the workflow layer gives it the
// block's name before asking its Outputs.
type Namer interface {
	SetName(name string)
}

// Versioned is a step whose results depend on more than cdflow's version
// and its configuration, such as an external program: Version goes into
// the step's cache key, so a new build of it redoes the tiles.
type Versioned interface {
	Version() string
}
