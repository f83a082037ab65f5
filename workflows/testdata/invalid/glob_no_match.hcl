# Each files entry must match something; the diagnostic points at the entry.
# ERROR: 11:5 Nothing matches
# ERROR: 12:5 does not exist
# ERROR: 17:11 A source needs at least one file
variable "data" { default = "../data" }

dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = [
    "${var.data}/dsm_2010/*.tif",
    "${var.data}/dsm_t0/b.tif",
  ]
}

source "dsm" "t1" {
  files = []
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
