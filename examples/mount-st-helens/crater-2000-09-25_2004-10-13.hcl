# Mount St. Helens, 2000-09-25 → 2004-10-13: the pre-eruption crater (USGS
# 10 m DEM) against the crater four years later, after two weeks of dome
# growth (USGS 2 m DEM) (USGS Open-File Report 2008-1169, public domain).
# A DSM-only workflow on two grids and two resolutions.
#
#   cdflow validate examples/mount-st-helens/crater-2000-09-25_2004-10-13.hcl
#   cdflow run -out /tmp/msh-4years examples/mount-st-helens/crater-2000-09-25_2004-10-13.hcl

variable "data" {
  type        = string
  description = "Folder holding the msh_*.tif DEMs; relative paths start at this file's folder."
  default     = "../../../shared/data/real/mount_st_helens_usgs"
}

dataset "msh-2000-09-25-to-2004-10-13" {
  title       = "Mount St. Helens crater, 2000-09-25 to 2004-10-13"
  description = "Elevation change in the crater of Mount St. Helens between the pre-eruption 10 m DEM of 2000 and the 2 m DEM of 2004-10-13, from USGS DEMs (Messerich, Schilling and Thompson, USGS Open-File Report 2008-1169), which are in the U.S. public domain."
  license     = "other"
  version     = "1.0.0"
  keywords    = ["change detection", "DEM", "elevation change", "volcano", "Mount St. Helens"]
  providers = [
    { name = "U.S. Geological Survey", roles = ["licensor", "producer"], url = "https://pubs.usgs.gov/of/2008/1169/" },
  ]
}

# 10 m, nodata -9999 (read from the file); it covers the whole 2004 DEM.
source "dsm" "t0" {
  files    = ["${var.data}/msh_2000-09-25_10m.tif"]
  datetime = "2000-09-25T00:00:00Z"
}

# 2 m, nodata -9999.
source "dsm" "t1" {
  files    = ["${var.data}/msh_2004-10-13_2m.tif"]
  datetime = "2004-10-13T00:00:00Z"
}

# 100 m tiles (50 × 50 px at 2 m) on the 2004-10-13 pixel edges; only whole
# tiles inside that DEM are kept: 10 × 9 tiles.
tiling {
  size   = 100
  origin = [562159, 5116591]
}

# ΔH on the 2 m grid. Without `resolution` it would be the coarser 10 m;
# the 10 m DEM is refined with bilinear (the default, spelled out here),
# the 2 m one is read as it is.
step "difference" "dh" {
  before     = source.dsm.t0
  after      = source.dsm.t1
  resolution = 2
  method     = "bilinear"
}

step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = 1
  min_area = 20
}

step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}

split {
  ratios   = { train = 0.68, test = 0.23, val = 0.09 }
  stratify = "change_fraction"
  seed     = 42
}

publish "stac" "catalog" {
  catalog  = "catalog"
  products = ["dsm_t0", "dsm_t1", "dh", "cd3d", "cd2d"]
}

publish "parquet" "stats" {}

publish "report" "html" {
  path = "report.html"
}
