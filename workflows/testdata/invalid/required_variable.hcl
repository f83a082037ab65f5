# A variable without default and without a value; a default of the wrong
# type; a failing validation; a default with a reference.
# ERROR: 7:1 Variable "data" has no default; set it with -var data=VALUE
# ERROR: 14:13 The default of variable "size" is not a number
# ERROR: 23:13 min_abs must be 0 or more (var.min_abs, set from the default)
# ERROR: 31:13 A default must be a literal value
variable "data" {
  type        = string
  description = "Where the rasters are."
}

variable "size" {
  type    = number
  default = "big"
}

variable "min_abs" {
  type = number
  validation {
    condition     = var.min_abs >= 0
    error_message = "min_abs must be 0 or more."
  }
  default = -1
}

locals {
  dir = var.data
}

variable "copy" {
  default = local.dir
}

dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["${local.dir}/dsm_t0/*.tif"]
}

tiling { size = 200 }

step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}

publish "stac" "catalog" {}

split {
  ratios = { train = 0.7, test = 0.2, val = 0.1 }
}
