// Command patched prints whether it was built against a replacement of
// godal, as cdflow's main decides whether to re-execute itself.
package main

import (
	"fmt"

	_ "github.com/airbusgeo/godal" // linked, so the build info lists it as cdflow's does

	"github.com/cdflow/cdflow/internal/cgoheap"
)

func main() { fmt.Println(cgoheap.Patched()) }
