# No dataset, no tiling, no raster source.
# ERROR: 1:1 Missing dataset block
# ERROR: 1:1 Missing tiling block
# ERROR: 1:1 No raster sources
source "vector" "review" {
  files = ["../data/review.geojson"]
}
