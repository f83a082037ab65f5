# Mount St. Helens, 2004-10-11 → 2004-10-13: two USGS DEMs of the growing
# lava dome, two days apart, both at 2 m (USGS Open-File Report 2008-1169,
# public domain). A DSM-only workflow: no orthophotos, so no resample step
# and no vegetation filter.
#
#   cdflow validate examples/mount-st-helens/dome-2004-10-11_2004-10-13.hcl
#   cdflow run -out /tmp/msh-2days examples/mount-st-helens/dome-2004-10-11_2004-10-13.hcl
#
# The changes are small (median ΔH about 1 m), so the threshold decides much
# of the label: try -var min_change=0.5 or -var min_change=2.

variable "data" {
  type        = string
  description = "Folder holding the msh_*.tif DEMs; relative paths start at this file's folder."
  default     = "../../../shared/data/real/mount_st_helens_usgs"
}

variable "min_change" {
  type        = number
  description = "Elevation changes smaller than this, in metres, are no change."
  default     = 1.0

  validation {
    condition     = var.min_change >= 0
    error_message = "min_change is a height in metres and cannot be negative."
  }
}

dataset "msh-2004-10-11-to-2004-10-13" {
  title       = "Mount St. Helens lava dome, 2004-10-11 to 2004-10-13"
  description = "Elevation change of the 2004 lava dome in the crater of Mount St. Helens over two days, from two USGS 2 m DEMs (Messerich, Schilling and Thompson, USGS Open-File Report 2008-1169), which are in the U.S. public domain."
  license     = "other"
  version     = "1.0.0"
  keywords    = ["change detection", "DEM", "elevation change", "volcano", "Mount St. Helens"]
  providers = [
    { name = "U.S. Geological Survey", roles = ["licensor", "producer"], url = "https://pubs.usgs.gov/of/2008/1169/" },
  ]
}

# The earlier DEM's origin is fractional, 2.8 mm off the later one's grid:
# it is brought onto the tile grid by GDAL's warper with the difference
# step's method. Its nodata (-9999) is read from the file.
source "dsm" "t0" {
  files    = ["${var.data}/msh_2004-10-11_2m.tif"]
  datetime = "2004-10-11T00:00:00Z"
}

source "dsm" "t1" {
  files    = ["${var.data}/msh_2004-10-13_2m.tif"]
  datetime = "2004-10-13T00:00:00Z"
}

# 100 m tiles (50 × 50 px) whose edges fall on the 2004-10-13 pixel edges:
# the origin is that DEM's upper-left corner, so t1 is read as it is.
# Only whole tiles inside both DEMs are kept: 6 × 6 tiles.
tiling {
  size   = 100
  origin = [562159, 5116591]
}

# ΔH = H_t1 − H_t0 at 2 m (the default: the coarser of the two DEMs, both
# 2 m here). bilinear is the default for elevations; it is spelled out.
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
  method = "bilinear"
}

# |ΔH| < min_change is no change; changed regions under 20 m² (5 pixels)
# are dropped as noise, and counted in tiles.parquet.
step "threshold" "cd3d" {
  input    = step.difference.dh
  min_abs  = var.min_change
  min_area = 20
}

# The 2D change map at the DEMs' 2 m (the input's resolution by default).
step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}

split {
  ratios   = { train = 0.68, test = 0.23, val = 0.09 }
  stratify = "change_fraction"
  seed     = 42
}

# Both DEM windows, ΔH itself, and the labels; every item also gets the
# quicklooks (the later DEM in grey as its thumbnail, and ΔH in colour).
publish "stac" "catalog" {
  catalog  = "catalog"
  products = ["dsm_t0", "dsm_t1", "dh", "cd3d", "cd2d"]
}

publish "parquet" "stats" {}

publish "report" "html" {
  path = "report.html"
}
