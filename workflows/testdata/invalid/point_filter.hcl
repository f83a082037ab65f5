# The point filter reads point features, which only a rasterize step with
# features = true writes: a DSM is of the wrong kind, a rasterize step
# without features has none to bind, features of the other epoch are
# refused, and the filter without features is reported.
# ERROR: 42:17 features_t0 of a threshold step must be point features (a rasterize step with features = true), but step.rasterize.dsm_t0 is a DSM; e.g. features_t0 = step.rasterize.dsm_t0
# ERROR: 44:3 The filter reads both epochs' point features
# ERROR: 49:3 The filter reads both epochs' point features
# ERROR: 52:17 Point features of the other epoch: dsm_t1_points is of epoch t1
# WARNING: 57:17 Only the point filter reads point features
dataset "d" { version = "1.0.0" }

source "pointcloud" "t0" {
  files    = ["../data/dsm_t0/*.tif"]
  datetime = "2010-07-01T00:00:00Z"
}

source "pointcloud" "t1" {
  files    = ["../data/dsm_t1/*.tif"]
  datetime = "2017-07-01T00:00:00Z"
}

tiling { size = 200 }

step "rasterize" "dsm_t0" {
  input      = source.pointcloud.t0
  resolution = 1
}

step "rasterize" "dsm_t1" {
  input      = source.pointcloud.t1
  resolution = 1
  features   = true
}

step "difference" "dh" {
  before = step.rasterize.dsm_t0
  after  = step.rasterize.dsm_t1
}

step "threshold" "cd3d" {
  input       = step.difference.dh
  features_t0 = step.rasterize.dsm_t0
  features_t1 = step.rasterize.dsm_t1
  points {}
}

step "threshold" "cd3d_b" {
  input = step.difference.dh
  points {
    min_building = 0.3
  }
  features_t0 = step.rasterize.dsm_t1
}

step "threshold" "cd3d_c" {
  input       = step.difference.dh
  features_t1 = step.rasterize.dsm_t1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
