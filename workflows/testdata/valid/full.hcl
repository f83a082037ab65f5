# Every block and most attributes, to check what decoding produces.
variable "data" {
  type    = string
  default = "../data"
}

variable "min_abs" {
  type    = number
  default = 1.5
  validation {
    condition     = var.min_abs >= 0
    error_message = "min_abs cannot be negative."
  }
}

variable "seed" {
  type    = number
  default = 7
}

locals {
  dsm_dirs = [for e in ["t0", "t1"] : "${var.data}/dsm_${e}"]
  title    = upper(format("%s %d", "demo", 3))
  notes    = trimspace(file("notes.txt"))
}

# Declared after its use: order in the file does not matter.
step "change_mask" "cd2d" {
  input      = step.threshold.cd3d
  resolution = 0.5
  signed     = true
}

dataset "demo-3dcd" {
  title       = local.title
  description = local.notes
  license     = "CC-BY-4.0"
  version     = "2.1.0-rc.1"
  keywords    = ["a", "b"]
  providers   = [{ name = "Us", roles = ["producer", "host"], url = "https://example.org" }]
}

source "dsm" "t0" {
  files    = ["${local.dsm_dirs[0]}/*.tif"]
  datetime = "2010-07-01"
  nodata   = -9999
}

source "dsm" "t1" {
  files    = glob("../data/dsm_t1/*.tif")
  datetime = "2017-07-01T12:00:00+02:00"
}

source "orthophoto" "t0" { files = ["../data/ortho_t0/a.tif"] }
source "orthophoto" "t1" { files = ["../data/ortho_t1/a.tif"] }
source "vector" "review" { files = ["../data/review.geojson"] }

tiling {
  size   = 100 * 2
  origin = [50, 0]
  id     = "C{col}_R{row}"
}

step "threshold" "cd3d" {
  input          = step.difference.dh
  min_abs        = var.min_abs
  min_area       = 20
  opening_radius = 1
  ortho_t0       = step.resample.t0
  ortho_t1       = step.resample.t1
  vegetation {
    index = "vari"
  }
  review       = source.vector.review
  review_field = "decision"
}

step "difference" "dh" {
  before     = source.dsm.t0
  after      = source.dsm.t1
  resolution = 2
  method     = "cubic"
}

step "resample" "t0" {
  input      = source.orthophoto.t0
  resolution = 0.5
}

step "resample" "t1" {
  input      = source.orthophoto.t1
  resolution = 0.5
  method     = "bilinear"
}

split {
  counts           = { train = 320, val = 42, test = 110 }
  stratify         = "none"
  seed             = var.seed
  block            = 1000
  cover_min_pixels = 200
}

publish "stac" "catalog" {
  catalog  = "cat"
  base_url = "https://data.example.org/cd"
}
publish "parquet" "stats" {
  items       = false
  compression = "snappy"
}
publish "report" "html" {}
publish "folders" "plain" {
  products = ["t0", "cd2d"]
  format   = "png"
}
