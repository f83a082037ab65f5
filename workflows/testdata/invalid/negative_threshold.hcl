# Thresholds are 0 or more.
# ERROR: 24:20 min_abs must be 0 or more metres, got -1
# ERROR: 25:20 min_area must be 0 or more square metres, got -5
# ERROR: 26:20 opening_radius is a radius in pixels, 0 or more, got -2
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

step "threshold" "cd3d" {
  input          = step.difference.dh
  min_abs        = -1
  min_area       = -5
  opening_radius = -2
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
