# The ratios sum to 1.01.
# ERROR: 20:12 The ratios sum to 1.01; adjust them so they sum to 1
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

split {
  seed   = 42
  ratios = { train = 0.68, test = 0.23, val = 0.1 }
}

tiling { size = 200 }

publish "stac" "catalog" {}
