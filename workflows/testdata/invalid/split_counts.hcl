# Counts are positive whole numbers; ratios and counts exclude each other;
# the other split settings are checked too.
# ERROR: 23:39 The count of "test" must be a positive whole number of tiles, got 110.5
# ERROR: 23:52 The count of "val" must be a positive whole number of tiles, got -4
# ERROR: 24:17 "stratified" is not a stratification
# ERROR: 25:17 The seed is a whole number, 0 or more
# ERROR: 26:17 "training" is not one of the subsets "train", "test", "val"
# ERROR: 27:17 Spatial blocks group whole tiles: 300 m is not a multiple of the 200 m tiles
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

tiling { size = 200 }

step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}

split {
  counts      = { train = 320, test = 110.5, val = -4 }
  stratify    = "stratified"
  seed        = 4.2
  cover_range = "training"
  block       = 300
}

publish "stac" "catalog" {}
