package plugins

import (
	"context"
	"time"
)

// Publisher is a kind of release output, such as "stac" or "parquet": it
// runs once, after every tile is done and the split is made, on the Release
// the executor hands it. Like a Step it declares a configuration struct
// with hcl tags and validates it; it also says, before anything runs, which
// files it will write, so `cdflow plan` can list them.
type Publisher interface {
	// Config returns a pointer to the publisher's configuration struct,
	// holding the defaults.
	Config() any
	// Validate checks the decoded configuration on its own.
	Validate() []Problem
	// Outputs lists the files Publish writes for a release of this shape,
	// as slash-separated paths relative to the run's output directory
	// (absolute when the configuration says so). "{tile}" stands for every
	// tile's id and "{split}" for every subset's name; a path holding both
	// stands for each tile in its own subset.
	Outputs(r *ReleasePlan) []string
	// Publish writes the release and returns a one-line note of what it
	// did (for people; may be empty). It must leave nothing half-written.
	Publish(ctx context.Context, r *Release) (note string, err error)
}

// Preflighter is implemented by publishers that can tell, before any tile
// runs, that they will not be able to publish (a catalog on object storage
// whose bucket is missing or whose credentials are refused), so that a
// run does not fail at its very end, after hours of work.
type Preflighter interface {
	Preflight(ctx context.Context) error
}

// ProductSelector is implemented by publishers that publish per-tile
// products (a STAC catalog, folders of files). Products returns the names
// of the products it publishes among the release's; without it a
// publisher publishes statistics only.
type ProductSelector interface {
	Products(all []Product) []string
}

// PlaceholderPublisher is implemented by publishers of per-tile products
// that may publish a release whose tiles' files are placeholders of
// objects on object storage (objstore.Placeholder, made by a merge of
// shards that uploaded there): PublishesPlaceholders says whether this
// one, as configured, copies such objects on the server instead of
// reading the files' bytes.
type PlaceholderPublisher interface {
	PublishesPlaceholders() bool
}

// PublishesPlaceholders reports whether p can publish a release whose
// tiles' files are placeholders: a publisher of statistics only (no
// ProductSelector) never reads them; one of products must say so.
func PublishesPlaceholders(p Publisher) bool {
	if _, ok := p.(ProductSelector); !ok {
		return true
	}
	pp, ok := p.(PlaceholderPublisher)
	return ok && pp.PublishesPlaceholders()
}

// PublisherFactory makes a new, unconfigured Publisher.
type PublisherFactory func() Publisher

// ReleasePlan is what a release will hold, known before any tile runs.
type ReleasePlan struct {
	Dataset, Version string
	// Products are every per-tile product, in execution order.
	Products []Product
	// Previews are the quicklook files every tile gets (name and media
	// type), besides its products.
	Previews []Preview
	// Subsets are the split's subsets that get tiles.
	Subsets []string
	// Tiles is how many tiles the grid has: the most the release can hold.
	Tiles int
	// Start and End are the datetimes of epochs t0 and t1 (zero if unknown).
	Start, End time.Time
}

// Preview is a quicklook of a tile, made from one of its products.
type Preview struct {
	Name      string // the asset key and file name without extension: "thumbnail"
	Ext       string // ".png"
	MediaType string
	Of        Product // the product it shows
	Title     string
	Roles     []string
}
