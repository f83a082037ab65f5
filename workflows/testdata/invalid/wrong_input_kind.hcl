# A threshold reads an elevation difference, not a DSM; a difference reads DSMs.
# ERROR: 28:11 input of a threshold step must be an elevation difference, but source.dsm.t0 is a DSM
# ERROR: 24:12 after of a difference step must be a DSM, but source.orthophoto.t1 is an orthophoto
# ERROR: 32:1 A change_mask step needs input
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "orthophoto" "t1" {
  files = ["../data/ortho_t1/*.tif"]
}

tiling { size = 200 }

step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.orthophoto.t1
}

step "threshold" "cd3d" {
  input = source.dsm.t0
}

# No input at all.
step "change_mask" "cd2d" {
  resolution = 0.5
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
