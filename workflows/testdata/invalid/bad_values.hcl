# Values of the wrong type, bad datetimes, nodata on a vector source, an
# unknown source kind and function errors.
# ERROR: 12:14 "July 2010" is not an RFC 3339 date-time
# ERROR: 13:14 nodata must be a number
# ERROR: 18:3 Only raster sources have nodata
# ERROR: 21:8 "lidar" is not a source kind; use orthophoto, dsm, pointcloud or vector.
# ERROR: 29:16 resolution must be a number
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "July 2010"
  nodata   = "none"
}

source "vector" "review" {
  files  = ["../data/review.geojson"]
  nodata = 0
}

source "lidar" "t1" {
  files = ["../data/dsm_t1/*.tif"]
}

tiling { size = 200 }

step "resample" "r" {
  input      = source.dsm.t0
  resolution = "fine"
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
