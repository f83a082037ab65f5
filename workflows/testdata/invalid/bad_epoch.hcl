# An epoch that is not t0 or t1, and an epoch on a vector source.
# ERROR: 9:14 "2010" is not an epoch; write epoch = "t0"
# ERROR: 19:3 Vector sources (review polygons, an AOI) belong to no epoch
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01"
  epoch    = "2010"
}

source "dsm" "t1" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01"
}

source "vector" "review" {
  files = ["../data/review.geojson"]
  epoch = "t0"
}

tiling { size = 200 }

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
