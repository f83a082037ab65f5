# The dataset's version must be semver; its name must fit a folder; the
# license must be an SPDX identifier.
# ERROR: 6:9 Invalid dataset name
# ERROR: 8:13 "Creative Commons!" is not an SPDX license identifier
# ERROR: 9:13 "v1.0" is not a semantic version
dataset "Valladolid 3DCD" {
  title   = "3DCD"
  license = "Creative Commons!"
  version = "v1.0"
}

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
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
