package plugins

// Publisher is a kind of release output, such as "stac" or "parquet": a
// global step run once after the per-tile steps and the split. Like a Step it
// declares a configuration struct with hcl tags and validates it.
type Publisher interface {
	// Config returns a pointer to the publisher's configuration struct,
	// holding the defaults.
	Config() any
	// Validate checks the decoded configuration on its own.
	Validate() []Problem
	// Outputs lists what the publisher writes, as paths relative to the
	// run's output directory (a trailing slash marks a directory).
	Outputs() []string
}

// ProductSelector is implemented by publishers that publish per-tile
// products (a STAC catalog, folders of files). Products returns the chosen
// product names, or nil for every product. Publishers that don't implement
// it publish statistics only.
type ProductSelector interface {
	Products() []string
}

// PublisherFactory makes a new, unconfigured Publisher.
type PublisherFactory func() Publisher
