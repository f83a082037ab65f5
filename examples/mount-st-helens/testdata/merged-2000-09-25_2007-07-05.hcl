# Test workflow (not an example): the 2000 DEM against the repo author's
# 2007 merge, on identical 10 m grids. The 2000 file declares nodata -9999;
# the 2007 file declares none, so none of its values may be taken as nodata.

variable "data" {
  type    = string
  default = "../../../../shared/data/real/mount_st_helens_usgs"
}

dataset "msh-2000-09-25-to-2007-07-05" {
  title   = "Mount St. Helens, 2000-09-25 to 2007-07-05 (merged on the 2000 base)"
  license = "other"
  version = "1.0.0"
}

source "dsm" "t0" {
  files    = ["${var.data}/msh_2000-09-25_10m.tif"]
  datetime = "2000-09-25T00:00:00Z"
}

source "dsm" "t1" {
  files    = ["${var.data}/msh_2007-07-05_merged-on-2000base_10m.tif"]
  datetime = "2007-07-05T00:00:00Z"
}

# 400 m tiles (40 × 40 px), few enough to check each against gdalwarp.
# The grids' fractional upper-left corner, so both are read as they are;
# column and row ids, since the corners' coordinates are fractional.
tiling {
  size   = 400
  origin = [561194.998500889982097, 5119474.988851799629629]
  id     = "C{col}_R{row}"
}

step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

step "threshold" "cd3d" {
  input   = step.difference.dh
  min_abs = 1
}

step "change_mask" "cd2d" {
  input = step.threshold.cd3d
}

split {
  ratios = { train = 0.68, test = 0.23, val = 0.09 }
  seed   = 42
}

publish "stac" "catalog" {
  catalog  = "catalog"
  products = ["dsm_t0", "dsm_t1", "dh", "cd3d", "cd2d"]
}
