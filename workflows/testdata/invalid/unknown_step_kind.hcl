# A step kind nobody registered, and one in a reference.
# ERROR: 21:6 No step kind "treshold" is registered; did you mean "threshold"?
# ERROR: 26:15 No step kind "differense" is registered (did you mean "difference"?)
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

step "treshold" "cd3d" {
  input = step.difference.dh
}

step "threshold" "cd3d_b" {
  input = step.differense.dh
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
