# One real LiDAR survey (Autzen Stadium, Eugene, Oregon; LAZ, a custom
# Lambert CRS in international feet) rasterized to a DSM per tile: the
# paper's first step on its own. Heights in the DSM are metres; tile and
# pixel sizes are in the CRS's feet.

variable "data" {
  description = "folder of autzen_trim.laz"
  default     = "../../../shared/data/lidar"
}

dataset "autzen-trim-dsm" {
  title       = "Autzen Stadium DSM"
  description = "A DSM rasterized by cdflow from one airborne LiDAR survey (LAZ)."
  license     = "CC-BY-4.0"
  version     = "1.0.0"
}

source "pointcloud" "t0" {
  files    = ["${var.data}/autzen_trim.laz"]
  datetime = "2010-01-01T00:00:00Z"
}

tiling {
  size   = 250 # feet
  origin = [0, 0]
}

step "rasterize" "dsm" {
  input      = source.pointcloud.t0
  resolution = 2.5 # feet
  method     = "tin"
  max_edge   = 30 # feet: triangles across wider voids stay nodata
}

split {
  ratios = { train = 0.7, test = 0.3 }
}

publish "stac" "catalog" {}
