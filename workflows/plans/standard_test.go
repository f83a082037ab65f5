package plans

// The built-in steps and publishers, for the workflows the tests plan.
import _ "github.com/cdflow/cdflow/plugins/standard"
