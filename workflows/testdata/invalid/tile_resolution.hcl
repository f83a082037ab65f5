# The tile size must be a whole number of pixels of every product.
# ERROR: 15:16 200 m tiles are not a whole number of 0.3 m pixels (product "t0" of step.resample.t0); choose a resolution that divides 200, e.g. resolution = 0.25
# ERROR: 20:16 The pixel size must be a positive number of metres, got 0
dataset "d" { version = "1.0.0" }

source "orthophoto" "t0" {
  files = ["../data/ortho_t0/*.tif"]
}

source "orthophoto" "t1" {
  files = ["../data/ortho_t1/*.tif"]
}

step "resample" "t0" {
  resolution = 0.3
  input      = source.orthophoto.t0
}

step "resample" "t1" {
  resolution = 0
  input      = source.orthophoto.t1
}

publish "stac" "catalog" {}

tiling { size = 200 }

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
