# A DSM-only workflow (no orthophoto sources) is valid, but the ΔH
# resolution it declares must divide the tile size. The steps after it take
# the 3 m over; the problem is reported once, where it is chosen.
# ERROR: 22:16 200 m tiles are not a whole number of 3 m pixels (product "dh" of step.difference.dh); choose a resolution that divides 200, e.g. resolution = 2.5
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2000-09-25"
}

source "dsm" "t1" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2004-10-13"
}

tiling { size = 200 }

step "difference" "dh" {
  before     = source.dsm.t0
  after      = source.dsm.t1
  resolution = 3
}

step "threshold" "cd3d" {
  input = step.difference.dh
}

step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
