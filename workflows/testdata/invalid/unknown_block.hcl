# A misspelt block type gets a suggestion.
# ERROR: 18:1 Did you mean "tiling"?

dataset "d" {
  version = "1.0.0"
}

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

source "dsm" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

tiling { size = 200 }

tilling { size = 100 }

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
