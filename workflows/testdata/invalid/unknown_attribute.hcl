# Misspelt attributes of a step (decoded by the plugin's schema) and of a
# core block get suggestions.
# ERROR: 6:3 An argument named "titel" is not expected here. Did you mean "title"?
# ERROR: 29:3 An argument named "min_abss" is not expected here. Did you mean "min_abs"?
dataset "d" {
  titel   = "A dataset"
  version = "1.0.0"
}

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

tiling {
  size = 200
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abss = 1.0
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
