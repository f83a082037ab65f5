# References to things nobody declared get "did you mean".
# ERROR: 13:15 No variable "dta" is declared (did you mean "data"?)
# ERROR: 17:16 A workflow cannot refer to "sorce" (did you mean "source"?)
# ERROR: 24:12 No source "dsm" "t3" is declared (did you mean "t0"?)
# ERROR: 29:11 Step "dh" is a difference step; refer to it as step.difference.dh.
variable "data" {
  default = "../data"
}

dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["${var.dta}/dsm_t0/*.tif"]
}

step "resample" "r" {
  input      = sorce.dsm.t0
  resolution = 1
}

source "dsm" "t1" { files = ["../data/dsm_t1/*.tif"] }

step "difference" "dh" {
  before = source.dsm.t3
  after  = source.dsm.t1
}

step "threshold" "cd3d" {
  input = step.threshold.dh
}

tiling { size = 200 }

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
