# The 3DCD dataset (Coletta, Marsocci, Ravanelli, ISPRS Archives XLIII-B3-2022),
# rebuilt as a cdflow workflow: two epochs of orthophotos and DSMs over
# Valladolid, cut into 200 m tiles, with a 2D and a 3D change map per tile and
# a 68/23/9 % train/test/val split.
#
#   cdflow validate -var data=/path/to/3dcd examples/3dcd/workflow.hcl
#   cdflow plan     -var data=/path/to/3dcd examples/3dcd/workflow.hcl
#
# It also runs on a synthetic scene, which has the same folders:
#
#   cdflow synth --out /tmp/scene --extent-km 2x2
#   cdflow plan -var data=/tmp/scene examples/3dcd/workflow.hcl
#
# How the language works, in five points:
#
#  1. A workflow is blocks: variable, locals, dataset, source, tiling, step,
#     split, publish. A directory of .hcl files is read as one workflow.
#  2. Blocks refer to each other by address: var.NAME, local.NAME,
#     source.KIND.NAME, step.PLUGIN.NAME. Those references, not the order of
#     the blocks in the file, decide what runs before what.
#  3. Expressions are HCL: "${...}" templates, arithmetic, lists, maps and
#     functions (upper, lower, format, min, max, concat, join, ..., plus
#     glob(pattern) and file(path), relative to this file's directory).
#  4. `cdflow validate` checks everything that can be checked without opening
#     a raster, and reports every problem at once with its line and a fix.
#  5. `cdflow plan` then reads the sources' metadata (never their pixels) and
#     shows the tile grid, the steps in order and the split's sizes.

# ---------------------------------------------------------------------------
# Variables are the workflow's inputs. Each can be set, from weakest to
# strongest: by its default, by the environment (CDFLOW_VAR_data=/mnt/3dcd),
# by a -var-file (an HCL file of `data = "/mnt/3dcd"` lines) or on the
# command line (-var data=/mnt/3dcd).
variable "data" {
  type        = string
  description = "Directory holding ortho_t0/, ortho_t1/, dsm_t0/ and dsm_t1/."
  default     = "data"
}

variable "min_change" {
  type        = number
  description = "Elevation changes smaller than this, in metres, are no change."
  default     = 1.0

  # A validation rejects a bad value where it is set, before anything runs.
  validation {
    condition     = var.min_change >= 0
    error_message = "min_change is a height in metres and cannot be negative."
  }
}

# Locals name values computed from variables and other locals.
locals {
  epochs = { t0 = "2010", t1 = "2017" }
}

# ---------------------------------------------------------------------------
# The dataset names the release: the catalog folder is
# <catalog>/<dataset name>/<version>/. The version must be semantic (1.0.0).
dataset "valladolid-3dcd" {
  title       = "3DCD Valladolid"
  description = "2D and 3D change detection from orthophotos and DSMs of ${local.epochs.t0} and ${local.epochs.t1}."
  license     = "CC-BY-4.0"
  version     = "1.0.0"
  keywords    = ["change detection", "DSM", "orthophoto", "3DCD"]
  providers = [
    { name = "Instituto Geográfico Nacional (PNOA)", roles = ["licensor", "producer"] },
  ]
}

# ---------------------------------------------------------------------------
# Sources are the input files of each epoch. `files` takes paths or globs,
# relative to this file unless absolute; many files are mosaicked as one.
# A glob that matches nothing is an error at validate time.
source "orthophoto" "t0" {
  files    = ["${var.data}/ortho_t0/*.tif"]
  datetime = "${local.epochs.t0}-07-01T00:00:00Z" # RFC 3339
}

source "orthophoto" "t1" {
  files    = ["${var.data}/ortho_t1/*.tif"]
  datetime = "${local.epochs.t1}-07-01T00:00:00Z"
}

source "dsm" "t0" {
  files    = ["${var.data}/dsm_t0/*.tif"]
  datetime = "${local.epochs.t0}-07-01T00:00:00Z"
  # nodata = -9999  # would override the files' own nodata value
}

source "dsm" "t1" {
  files    = ["${var.data}/dsm_t1/*.tif"]
  datetime = "${local.epochs.t1}-07-01T00:00:00Z"
}

# ---------------------------------------------------------------------------
# Tiles are 200 m squares aligned to multiples of 200 m in the sources' CRS,
# covering the area every source covers; only whole tiles are kept. Tile ids
# default to the south-west corner, e.g. E356200_N4612400.
tiling {
  size = 200
  # origin = [0, 0]               # shifts the alignment
  # id     = "E{minx}_N{miny}"    # {minx} {miny} {maxx} {maxy} {col} {row}
  # aoi    = source.vector.aoi    # limits the grid to a GeoJSON area
}

# ---------------------------------------------------------------------------
# Steps. `step "<plugin>" "<name>"`: the plugin decides which attributes the
# block takes, and the name is the product's file name in every tile (t0.tif,
# dh.tif, ...). Attributes such as `input` take another block's address; the
# plugin checks that it is the right kind of raster (a threshold reads an
# elevation difference, not a DSM).

# The orthophotos, from 0.25 m down to 0.5 m (400 × 400 px per tile).
step "resample" "t0" {
  input      = source.orthophoto.t0
  resolution = 0.5
  method     = "average" # any GDAL resampling method
}

step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
  method     = "average"
}

# ΔH = H_t1 − H_t0 at the DSMs' 1 m (200 × 200 px). The DSM windows it reads
# are written too, as dsm_t0 and dsm_t1.
step "difference" "dh" {
  before = source.dsm.t0
  after  = source.dsm.t1
}

# The 3D change map: |ΔH| < min_abs becomes 0, then the noise the paper's
# authors removed by hand is removed here, reproducibly.
step "threshold" "cd3d" {
  input          = step.difference.dh
  min_abs        = var.min_change
  min_area       = 20 # m²: smaller changed regions are noise
  opening_radius = 1  # pixels: a morphological opening

  # Two LiDAR surveys sample walls differently: a change must stand min_abs
  # clear of the other epoch's walls within 2 pixels, or unchanged buildings
  # become outlines of change; cells a DSM slopes across beside a wall go.
  sampling_radius = 2
  edge_fraction   = 0.5
  dsm_t0          = source.dsm.t0
  dsm_t1          = source.dsm.t1
  # Tall changes no wider than 3 m are cranes, masts and wires, not buildings.
  slender_width = 3
  # Changes on what is vegetation in both orthophotos are trees.
  ortho_t0 = step.resample.t0
  ortho_t1 = step.resample.t1
  vegetation {
    index = "exg"
  }
}

# The 2D change map at the orthophotos' 0.5 m: 0 no change, 1 change.
step "change_mask" "cd2d" {
  input      = step.threshold.cd3d
  resolution = 0.5
  # signed = true  # 1 construction, 2 demolition

  # Each changed building where the orthophoto of the epoch it stands in
  # shows it: roofs lean away from the photo's nadir by their height times a
  # lean estimated per tile from the DSM and the orthophoto.
  align    = "orthophoto"
  dsm_t0   = source.dsm.t0
  dsm_t1   = source.dsm.t1
  ortho_t0 = step.resample.t0
  ortho_t1 = step.resample.t1
}

# Input QA: the published 3DCD shipped with 88 DSMs with black stripes, one
# unreadable file and one missing pair. Each finding flags its tile
# (qa_flags, cdflow:qa, the report); a policy per kind says what it does:
# "exclude" the tile from the release, "flag" it, or "fail" the run.
step "qa" "check" {
  dsm_t0   = source.dsm.t0
  dsm_t1   = source.dsm.t1
  ortho_t0 = source.orthophoto.t0
  ortho_t1 = source.orthophoto.t1
  dh       = step.difference.dh
  # max_bias     = 0.2   # m: median ΔH of stable ground beyond is a bias
  # correct_bias = true  # subtract the scene's bias from the later DSM
  # max_shift     = 0.25  # m: horizontal misregistration beyond is a shift
  # correct_shift = true  # coregister the later DSM (Nuth & Kääb) before ΔH
  # on_stripes   = "exclude"  # also on_voids, on_unreadable, on_missing: exclude;
  # on_bias      = "flag"     # on_shift, on_implausible: flag
}

# ---------------------------------------------------------------------------
# The split: sizes by the largest-remainder method, deterministic for the
# seed, each subset keeping the dataset's share of change, and train holding
# every height the dataset really has. The paper's 320/110/42 tiles are
# 67.8/23.3/8.9 %; its rounded 0.68/0.23/0.09 would give 321/109/42 of 472
# tiles, so the ratios are the counts themselves, as HCL arithmetic (other
# tile counts get the same shares).
split {
  ratios           = { train = 320/472, test = 110/472, val = 42/472 }
  stratify         = "change_fraction"
  seed             = 42
  # Every 1 m ΔH bin with at least cover_min_pixels changed pixels in the
  # whole dataset has pixels in some train tile; rarer bins are spikes.
  cover_range      = "train"
  cover_min_pixels = 50
  # block          = 1000  # metres: neighbouring tiles stay in one subset
}

# ---------------------------------------------------------------------------
# What a release holds. Paths are relative to the run's output directory.
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
