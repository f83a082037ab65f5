# Inputs name a block directly; products are not values.
# ERROR: 18:16 input must name a source or a step directly
# ERROR: 19:16 source.dsm.t0 is a raster product, not a value
# ERROR: 23:25 An input names a whole block; write before = source.dsm.t0.
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

tiling { size = 200 }

step "resample" "r" {
  input      = "source.dsm.t0"
  resolution = source.dsm.t0
}

step "difference" "dh" {
  before = source.dsm.t0.files
  after  = source.dsm.t1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
