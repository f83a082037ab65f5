# Ratios must each lie in (0, 1) and sum to 1.
# ERROR: 24:35 The ratio of "test" must lie strictly between 0 and 1, got 1.2
# ERROR: 24:46 The ratio of "val" must lie strictly between 0 and 1, got 0
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

tiling { size = 200 }

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.68, test = 1.2, val = 0 }
  seed   = 42
}
