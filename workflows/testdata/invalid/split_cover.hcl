# cover_min_pixels is a whole number of pixels, 1 or more.
# ERROR: 18:22 cover_min_pixels is a whole number of changed pixels, 1 or more
dataset "d" { version = "1.0.0" }

source "dsm" "t0" {
  files = ["../data/dsm_t0/*.tif"]
}

tiling { size = 200 }

step "resample" "r" {
  input      = source.dsm.t0
  resolution = 1
}

split {
  ratios           = { train = 320/472, test = 110/472, val = 42/472 }
  cover_min_pixels = 0.5
}

publish "stac" "catalog" {}
