# Two real LiDAR surveys of a BMX track beside Autzen Stadium (Eugene,
# Oregon), 13 years apart: each rasterized to a 1 m DSM, then ΔH, the 1 m
# threshold and the change mask, as the 3DCD paper does from its LAS files.

variable "data" {
  description = "folder of the LiDAR files (autzen-bmx-2010.las, autzen-bmx-2023.las)"
  default     = "../../../shared/data/lidar"
}

dataset "autzen-bmx-2010-to-2023" {
  title       = "Autzen BMX track, 2010 to 2023"
  description = "3D and 2D change of a BMX track from two airborne LiDAR surveys, rasterized by cdflow."
  license     = "CC-BY-4.0"
  version     = "1.0.0"
}

source "pointcloud" "t0" {
  files    = ["${var.data}/autzen-bmx-2010.las"]
  datetime = "2010-01-01T00:00:00Z"
}

source "pointcloud" "t1" {
  files    = ["${var.data}/autzen-bmx-2023.las"]
  datetime = "2023-01-01T00:00:00Z"
}

tiling {
  size = 10
}

step "rasterize" "dsm_t0" {
  input      = source.pointcloud.t0
  resolution = 1
  method     = "tin"
  max_edge   = 5
}

step "rasterize" "dsm_t1" {
  input      = source.pointcloud.t1
  resolution = 1
  method     = "tin"
  max_edge   = 5
}

step "difference" "dh" {
  before = step.rasterize.dsm_t0
  after  = step.rasterize.dsm_t1
}

step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1.0
  min_area = 4
}

step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}

split {
  ratios = { train = 0.5, test = 0.25, val = 0.25 }
  seed   = 1
}

publish "stac" "catalog" {}
