# Tiling settings: size, origin, id template and aoi are checked.
# ERROR: 18:12 The tile size is a positive number of metres, got -200
# ERROR: 19:12 The origin is one point [x, y]
# ERROR: 20:12 {minx} and {miny}, or {col} and {row}
# ERROR: 21:12 aoi bounds the grid with polygons; name a vector source
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}

tiling {
  size   = -200
  origin = [0, 0, 0]
  id     = "tile_{minx}"
  aoi    = source.dsm.t0
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
