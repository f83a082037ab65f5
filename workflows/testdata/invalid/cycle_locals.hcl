# Locals that depend on each other.
# ERROR: 6:15 local.first → local.second → local.first
# ERROR: 11:10 local.self → local.self
locals {
  data   = "../data"
  first  = "${local.second}/x"
  second = upper(local.first)
}

locals {
  self = local.self
}

dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["${local.data}/dsm_t0/*.tif"]
}

tiling { size = 200 }

step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
