# Nothing reads or publishes dh's product: a warning, not an error. The
# publish block chooses products, one of which does not exist.
# WARNING: 17:19 No step reads step.difference.dh and no publish block publishes its product "dh"
# ERROR: 28:14 No step writes a product "dhh" (did you mean "dh"?)
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

step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}

publish "stac" "catalog" {
  products = ["r", "dhh"]
}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
