# The 3DCD workflow from the LiDAR files themselves, as the paper's authors
# started: "The DSMs were produced within QGIS, by rasterizing the original
# point clouds contained in the LAS files. The GSD of the DSMs is 1 m."
# Here cdflow rasterizes PNOA-LiDAR sheets (LAZ, as the IGN distributes
# them) per tile; everything after the DSMs is the 3DCD workflow of
# workflow.hcl beside this file, whose comments teach the language.
#
#   cdflow plan -var data=/path/to/3dcd examples/3dcd/workflow-lidar.hcl
#
# It also runs on a synthetic scene with simulated LiDAR:
#
#   cdflow synth --out /tmp/scene --extent-km 1x1
#   cdflow run -var data=/tmp/scene -out /tmp/3dcd-lidar examples/3dcd/workflow-lidar.hcl

variable "data" {
  type        = string
  description = "Directory holding ortho_t0/, ortho_t1/ (GeoTIFF) and points_t0/, points_t1/ (LAS, LAZ or COPC)."
  default     = "data"
}

variable "min_change" {
  type        = number
  description = "Elevation changes smaller than this, in metres, are no change."
  default     = 1.0
}

locals {
  epochs = { t0 = "2010", t1 = "2017" }
}

dataset "valladolid-3dcd-lidar" {
  title       = "3DCD Valladolid, from LiDAR"
  description = "2D and 3D change detection from orthophotos and LiDAR point clouds of ${local.epochs.t0} and ${local.epochs.t1}."
  license     = "CC-BY-4.0"
  version     = "1.0.0"
  keywords    = ["change detection", "LiDAR", "DSM", "orthophoto", "3DCD"]
  providers = [
    { name = "Instituto Geográfico Nacional (PNOA)", roles = ["licensor", "producer"] },
  ]
}

source "orthophoto" "t0" {
  files    = ["${var.data}/ortho_t0/*.tif"]
  datetime = "${local.epochs.t0}-07-01T00:00:00Z"
}

source "orthophoto" "t1" {
  files    = ["${var.data}/ortho_t1/*.tif"]
  datetime = "${local.epochs.t1}-07-01T00:00:00Z"
}

# PNOA-LiDAR sheets of 2 km × 2 km: 0.5 points/m² in the first coverage,
# 1–2 in the second. Noise (ASPRS 7 and 18) and withheld points are dropped;
# the surface is made of first returns.
source "pointcloud" "t0" {
  files    = ["${var.data}/points_t0/*.la[sz]"]
  datetime = "${local.epochs.t0}-07-01T00:00:00Z"
  returns  = "first"
  # crs            = "EPSG:25830+5782"  # when the files carry none
  # classes        = [2, 3, 4, 5, 6]    # keep only these ASPRS classes
}

source "pointcloud" "t1" {
  files    = ["${var.data}/points_t1/*.la[sz]"]
  datetime = "${local.epochs.t1}-07-01T00:00:00Z"
  returns  = "first"
}

tiling {
  size = 200
}

# The DSMs at 1 m, as the paper's: a TIN of the points (las2dem's method),
# triangles longer than 20 m (water, deep scan shadows) left as nodata.
step "rasterize" "dsm_t0" {
  input      = source.pointcloud.t0
  resolution = 1
  method     = "tin"
  max_edge   = 20
}

step "rasterize" "dsm_t1" {
  input      = source.pointcloud.t1
  resolution = 1
  method     = "tin"
  max_edge   = 20
}

step "resample" "t0" {
  input      = source.orthophoto.t0
  resolution = 0.5
  method     = "average"
}

step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
  method     = "average"
}

step "difference" "dh" {
  before = step.rasterize.dsm_t0
  after  = step.rasterize.dsm_t1
}

step "threshold" "cd3d" {
  input           = step.difference.dh
  min_abs         = var.min_change
  min_area        = 20
  opening_radius  = 1
  sampling_radius = 2
  edge_fraction   = 0.5
  slender_width   = 3
  dsm_t0          = step.rasterize.dsm_t0
  dsm_t1          = step.rasterize.dsm_t1
}

step "change_mask" "cd2d" {
  input      = step.threshold.cd3d
  resolution = 0.5
  align      = "orthophoto"
  dsm_t0     = step.rasterize.dsm_t0
  dsm_t1     = step.rasterize.dsm_t1
  ortho_t0   = step.resample.t0
  ortho_t1   = step.resample.t1
}

split {
  ratios           = { train = 320/472, test = 110/472, val = 42/472 } # the paper's 320/110/42
  stratify         = "change_fraction"
  seed             = 42
  cover_range      = "train"
  cover_min_pixels = 50
}

publish "stac" "catalog" {
  catalog = "catalog"
}

publish "parquet" "stats" {}

publish "report" "html" {
  path = "report.html"
}

publish "folders" "3dcd" {
  path     = "3dcd"
  products = ["t0", "t1", "cd2d", "cd3d"]
}
