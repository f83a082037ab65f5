// Package standard links the built-in steps and publishers into a binary:
// import it for its side effects, as the cdflow command does.
package standard

import (
	// The built-in steps and publishers register themselves from init.
	_ "github.com/cdflow/cdflow/plugins/changemask"
	_ "github.com/cdflow/cdflow/plugins/difference"
	_ "github.com/cdflow/cdflow/plugins/external"
	_ "github.com/cdflow/cdflow/plugins/publish"
	_ "github.com/cdflow/cdflow/plugins/qa"
	_ "github.com/cdflow/cdflow/plugins/rasterize"
	_ "github.com/cdflow/cdflow/plugins/resample"
	_ "github.com/cdflow/cdflow/plugins/threshold"
)
