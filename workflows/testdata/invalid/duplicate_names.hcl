# Names taken twice: sources per kind and name; steps by name across kinds
# (a step's product is a file named after it); variables; single blocks.
# ERROR: 17:1 source.dsm.t0 is already defined at
# ERROR: 23:12 ΔH of dsm_t0 with itself is zero everywhere
# ERROR: 26:17 A step named "dh" is already defined at
# ERROR: 35:1 Duplicate variable
# ERROR: 39:1 A tiling is already defined at
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}
source "orthophoto" "t0" {
  files = ["../data/ortho_t0/*.tif"]
}

source "dsm" "t0" {
  files = ["../data/dsm_t1/*.tif"]
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t0
}

step "resample" "dh" {
  input      = source.orthophoto.t0
  resolution = 0.5
}

variable "x" {
  default = 1
}

variable "x" {
  default = 2
}
tiling { size = 200 }
tiling { size = 100 }

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
