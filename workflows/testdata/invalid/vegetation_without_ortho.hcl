# The vegetation filter needs the orthophotos of both epochs; its index is
# checked; review polygons come from a vector source.
# ERROR: 25:3 The filter needs both epochs' orthophotos
# ERROR: 26:13 "exgg" is not a vegetation index; did you mean "exg"?
# ERROR: 28:12 review of a threshold step must be a vector source, but source.dsm.t1 is a DSM
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

step "threshold" "cd3d" {
  input = step.difference.dh
  vegetation {
    index = "exgg"
  }
  review = source.dsm.t1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
